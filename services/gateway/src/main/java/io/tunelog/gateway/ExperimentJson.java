package io.tunelog.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.event.EventPayload.TrialDecision;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Objectives;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.gateway.ExperimentCatalog.Rejection;
import io.tunelog.results.Json;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeMap;

/**
 * The API's JSON views of an experiment, as {@code openapi.yaml} describes them. Those that take an {@link Experiment}
 * read it, so they must run under its lock.
 */
final class ExperimentJson {
    private ExperimentJson() {}

    /** A line of the experiment list, with when it was submitted (null before its spec is logged) to sort by. */
    record Line(String submittedAt, String experimentId, ObjectNode node) {}

    static Line line(Experiment experiment) {
        ExperimentState state = experiment.state();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("experimentId", state.experimentId());
        node.put("name", state.spec() == null ? null : state.spec().name());
        node.put("status", state.status().name());
        String submitted = state.submittedAt() == null ? null : state.submittedAt().toString();
        node.put("submittedAt", submitted);
        node.set("trials", trialCounts(experiment));
        node.set("best", best(experiment, false));
        if (state.spec() != null && state.spec().isMultiObjective()) {
            node.put("frontSize", experiment.front().size());
        }
        return new Line(submitted, state.experimentId(), node);
    }

    /** The summary, as {@code --json} prints it, but for the spec, which the caller adds outside the lock. */
    static ObjectNode summary(Experiment experiment, List<Rejection> rejections) {
        ExperimentState state = experiment.state();
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("experimentId", state.experimentId());
        node.put("name", state.spec() == null ? null : state.spec().name());
        node.put("status", state.status().name());
        node.put("submittedAt", state.submittedAt() == null ? null : state.submittedAt().toString());
        node.set("trials", trialCounts(experiment));
        node.set("decisions", Json.MAPPER.valueToTree(experiment.decisionsByRule()));
        node.set("best", best(experiment, true));
        if (state.spec() != null && state.spec().isMultiObjective()) {
            node.set("objectives", Json.objectives(state.spec()));
            node.set("front", Json.front(state, experiment.front()));
        }
        node.set("completion", Json.completion(state));
        state.cancellation().ifPresentOrElse(c -> {
            ObjectNode cancelled = node.putObject("cancellation");
            cancelled.put("reason", c.reason());
            cancelled.put("cancelledBy", c.cancelledBy());
        }, () -> node.putNull("cancellation"));
        node.put("eventsInLog", state.eventCount());
        node.put("lastOffset", state.lastOffset());
        node.put("anomalies", state.anomalyCount());
        // Warm starts: configurations enqueued (and how many became trials), observations imported from earlier experiments.
        node.put("enqueued", state.enqueued().size());
        node.put("enqueuedTaken", state.enqueuedTaken());
        node.put("imported", state.imported().size());
        node.set("unplaceable", Json.unplaceable(state));
        ArrayNode rejected = node.putArray("rejectedSubmissions");
        for (Rejection r : rejections) {
            ObjectNode rejection = rejected.addObject();
            rejection.put("partition", r.partition());
            rejection.put("offset", r.commandOffset());
            rejection.put("reason", r.reason());
        }
        return node;
    }

    private static ObjectNode trialCounts(Experiment experiment) {
        ObjectNode trials = Json.MAPPER.createObjectNode();
        trials.put("total", experiment.state().trials().size());
        for (TrialStatus status : TrialStatus.values()) {
            trials.put(status.name().toLowerCase(Locale.ROOT), experiment.trialsByStatus().getOrDefault(status, 0));
        }
        trials.put("unplaceable", experiment.state().unplaceableTrials().size());
        return trials;
    }

    private static JsonNode best(Experiment experiment, boolean withConfig) {
        ExperimentState state = experiment.state();
        return experiment.best().<JsonNode>map(best -> {
            ObjectNode b = Json.MAPPER.createObjectNode();
            b.put("trialId", best.trialId());
            b.put("metric", state.spec().metric().name());
            b.put("value", best.value());
            if (withConfig) {
                b.set("config", Json.MAPPER.valueToTree(new TreeMap<>(state.trial(best.trialId()).config())));
            }
            return b;
        }).orElse(Json.MAPPER.nullNode());
    }

    static ObjectNode trials(String experimentId, ExperimentSpec spec, List<ObjectNode> trials) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", experimentId);
        body.put("metric", spec == null ? null : spec.metric().name());
        if (spec != null && spec.isMultiObjective()) {
            body.set("objectives", Json.objectives(spec));
        }
        body.putArray("trials").addAll(trials);
        return body;
    }

    /**
     * A line of the trial list; {@code value} is the trial's last of the metric, or null. With several objectives or with
     * constraints, also its last value of each ({@code values}), whether it keeps the constraints ({@code feasible}), and
     * with several objectives whether it is on the Pareto front ({@code onFront}).
     */
    static ObjectNode trial(TrialState t, Double value, ExperimentSpec spec, Set<String> front) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("trialId", t.trialId());
        node.put("status", t.status().name());
        node.set("config", Json.MAPPER.valueToTree(new TreeMap<>(t.config())));
        node.put("attempt", t.attempt());
        node.put("lastValue", value);
        node.put("stepsReported", t.reports().size());
        node.put("lastStep", t.reports().isEmpty() ? null : t.reports().get(t.reports().size() - 1).step());
        node.put("workerId", t.workerId());
        node.set("devices", Json.MAPPER.valueToTree(t.devices()));
        node.put("unplaceable", t.unplaceable());
        node.put("origin", t.origin());
        if (spec != null && spec.beyondOneMetric()) {
            node.set("values", Json.lastValues(t, spec));
            if (!spec.constraints().isEmpty()) {
                node.put("feasible", Objectives.feasible(spec, t));
            }
            if (spec.isMultiObjective()) {
                node.put("onFront", front.contains(t.trialId()));
            }
        }
        return node;
    }

    static ObjectNode reports(String experimentId, String trialId, List<Report> reports) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", experimentId);
        body.put("trialId", trialId);
        ArrayNode list = body.putArray("reports");
        for (Report r : reports) {
            ObjectNode node = list.addObject();
            node.put("attempt", r.attempt());
            node.put("step", r.step());
            node.set("metrics", Json.MAPPER.valueToTree(new TreeMap<>(r.metrics())));
            node.put("timestamp", r.timestamp().toString());
        }
        return body;
    }

    /** The scheduler's decisions: TrialDecision events, in log order. */
    static ObjectNode decisions(String experimentId, List<LoggedEvent> decisions) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", experimentId);
        ArrayNode list = body.putArray("decisions");
        for (LoggedEvent logged : decisions) {
            TrialDecision d = (TrialDecision) logged.event().payload();
            ObjectNode node = list.addObject();
            node.put("offset", logged.offset());
            node.put("timestamp", logged.event().timestamp().toString());
            node.put("trialId", logged.event().trialId());
            node.put("attempt", d.attempt());
            node.put("action", d.action().name());
            node.put("rule", d.rule());
            node.put("reason", d.reason());
            node.put("rung", d.rung());
            node.set("inputs", Json.MAPPER.valueToTree(new TreeMap<>(d.inputs())));
        }
        return body;
    }

    /** Every trial's reported values of the metric, in report order, with the trial's status. */
    static ObjectNode curves(Experiment experiment) {
        ExperimentState state = experiment.state();
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", state.experimentId());
        String metric = state.spec() == null ? null : state.spec().metric().name();
        body.put("metric", metric);
        body.put("mode", state.spec() == null ? null : state.spec().metric().mode().name().toLowerCase(Locale.ROOT));
        ArrayNode curves = body.putArray("curves");
        for (TrialState t : state.trials()) {
            ObjectNode curve = curves.addObject();
            curve.put("trialId", t.trialId());
            curve.put("status", t.status().name());
            ArrayNode points = curve.putArray("points");
            String lastAt = null;
            for (Report r : t.reports()) {
                Double value = metric == null ? null : r.metrics().get(metric);
                if (value != null) {
                    points.addArray().add(r.step()).add(value);
                    lastAt = r.timestamp().toString();
                }
            }
            curve.put("lastReportAt", lastAt);
        }
        return body;
    }

    /** A page of the log, each event as {@code tunelog events} prints it, and where the next page starts. */
    static ObjectNode events(String experimentId, List<LoggedEvent> events, long next, boolean more) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", experimentId);
        ArrayNode list = body.putArray("events");
        events.forEach(e -> list.add(Json.event(e)));
        body.put("next", next);
        body.put("more", more);
        return body;
    }
}
