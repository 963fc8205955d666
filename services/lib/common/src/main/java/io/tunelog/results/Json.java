package io.tunelog.results;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.Constraint;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.Metric;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Objectives;
import io.tunelog.domain.state.ParetoFront;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/** JSON views of events and experiments for people and scripts: `tunelog events`, `--json`, experiment.json. */
public final class Json {
    public static final ObjectMapper MAPPER = JsonMapper.builder()
            .enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS)
            .build();

    private Json() {}

    /** One event with its log position, as a line of `tunelog events`. */
    public static ObjectNode event(LoggedEvent logged) {
        var e = logged.event();
        ObjectNode node = MAPPER.createObjectNode();
        node.put("offset", logged.offset());
        node.put("type", e.payload().getClass().getSimpleName());
        node.put("eventId", e.eventId());
        node.put("experimentId", e.experimentId());
        node.put("trialId", e.trialId());
        node.put("sequence", e.sequence());
        node.put("timestamp", e.timestamp().toString());
        node.put("source", e.source().service() + "/" + e.source().instance());
        if (e.basis() == null) {
            node.putNull("basis");
        } else {
            node.put("basis", e.basis());
        }
        node.set("payload", MAPPER.valueToTree(e.payload()));
        return node;
    }

    /** The end-of-run summary that `--json` prints. */
    public static ObjectNode summary(ExperimentState state, Path resultsDir) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("experimentId", state.experimentId());
        node.put("status", state.status().name());
        ObjectNode trials = node.putObject("trials");
        trials.put("total", state.trials().size());
        trials.put("completed", count(state, TrialStatus.COMPLETED));
        trials.put("failed", count(state, TrialStatus.FAILED));
        trials.put("stopped", count(state, TrialStatus.STOPPED));
        trials.put("cancelled", count(state, TrialStatus.CANCELLED));
        trials.put("unplaceable", state.unplaceableTrials().size());
        // How many decisions each scheduler rule made, so a run's summary says what the scheduler did.
        Map<String, Integer> rules = new TreeMap<>();
        state.trials().forEach(t -> t.decisions().forEach(d -> rules.merge(d.rule() + "." + d.action().name().toLowerCase(), 1, Integer::sum)));
        node.set("decisions", MAPPER.valueToTree(rules));
        state.best().ifPresentOrElse(best -> {
            ObjectNode b = node.putObject("best");
            b.put("trialId", best.trialId());
            b.set("config", MAPPER.valueToTree(new TreeMap<>(state.trial(best.trialId()).config())));
            b.put("metric", best.value());
            b.put("metricName", state.spec().metric().name());
        }, () -> node.putNull("best"));
        if (state.spec() != null && state.spec().isMultiObjective()) {
            node.set("objectives", objectives(state.spec()));
            node.set("front", front(state, state.front()));
        }
        node.set("completion", completion(state));
        node.set("unplaceable", unplaceable(state));
        node.put("resultsDir", resultsDir == null ? null : resultsDir.toAbsolutePath().toString());
        node.put("eventsInLog", state.eventCount());
        return node;
    }

    /**
     * How the experiment completed, or null while it has not: why, the stop condition that ended it (null when every
     * planned trial ended) with the numbers it was judged on, and the best trial.
     */
    public static JsonNode completion(ExperimentState state) {
        return state.completion().<JsonNode>map(c -> {
            ObjectNode done = MAPPER.createObjectNode();
            done.put("reason", c.reason());
            done.put("condition", c.condition());
            done.set("inputs", MAPPER.valueToTree(new TreeMap<>(c.inputs())));
            done.put("bestTrialId", c.bestTrialId());
            done.put("bestMetric", c.bestMetric());
            return done;
        }).orElse(NullNode.getInstance());
    }

    /** The open trials no live worker could run, as the gate last saw: trial, attempt and why. */
    public static ArrayNode unplaceable(ExperimentState state) {
        ArrayNode list = MAPPER.createArrayNode();
        for (TrialState t : state.unplaceableTrials()) {
            ObjectNode node = list.addObject();
            node.put("trialId", t.trialId());
            node.put("attempt", t.attempt());
            node.put("reason", t.unplaceable());
        }
        return list;
    }

    /** The objectives in spec order, each with its mode: the order of a front member's values. */
    public static ArrayNode objectives(ExperimentSpec spec) {
        ArrayNode list = MAPPER.createArrayNode();
        for (Metric m : spec.objectives()) {
            list.addObject().put("name", m.name()).put("mode", m.mode().name().toLowerCase(Locale.ROOT));
        }
        return list;
    }

    /**
     * The Pareto front, in creation order: each trial with its last reported value of each objective (keyed by name, in
     * spec order) and its configuration. Every member keeps every constraint.
     */
    public static ArrayNode front(ExperimentState state, List<ParetoFront.Member> front) {
        ExperimentSpec spec = state.spec();
        ArrayNode list = MAPPER.createArrayNode();
        for (ParetoFront.Member m : front) {
            ObjectNode node = list.addObject();
            node.put("trialId", m.trialId());
            ObjectNode values = node.putObject("values");
            for (int i = 0; i < m.values().length; i++) {
                values.put(spec.objectives().get(i).name(), m.values()[i]);
            }
            node.set("config", MAPPER.valueToTree(new TreeMap<>(state.trial(m.trialId()).config())));
        }
        return list;
    }

    /**
     * A trial's last reported value of each objective and each constrained metric (those it has reported), and with
     * constraints whether it keeps them all ({@code feasible}).
     */
    public static void putMetrics(ObjectNode row, TrialState t, ExperimentSpec spec) {
        row.setAll(lastValues(t, spec));
        if (!spec.constraints().isEmpty()) {
            row.put("feasible", Objectives.feasible(spec, t));
        }
    }

    /** A trial's last reported value of each objective, then of each constrained metric, by name (those it reported). */
    public static ObjectNode lastValues(TrialState t, ExperimentSpec spec) {
        ObjectNode values = MAPPER.createObjectNode();
        for (Metric m : spec.objectives()) {
            t.lastValue(m.name()).ifPresent(v -> values.put(m.name(), v));
        }
        for (Constraint c : spec.constraints()) {
            t.lastValue(c.name()).ifPresent(v -> values.put(c.name(), v));
        }
        return values;
    }

    /** One line per trial for experiment.json. */
    static ObjectNode trial(TrialState t, ExperimentSpec spec) {
        ObjectNode node = MAPPER.createObjectNode();
        node.put("trialId", t.trialId());
        node.put("status", t.status().name());
        node.put("attempts", t.attempt());
        node.put("reports", t.reports().size());
        putMetrics(node, t, spec);
        node.set("config", MAPPER.valueToTree(new TreeMap<>(t.config())));
        return node;
    }

    static Map<String, Object> sorted(Map<String, ?> map) {
        return new TreeMap<>(map);
    }

    private static long count(ExperimentState state, TrialStatus status) {
        return state.trials().stream().filter(t -> t.status() == status).count();
    }
}
