package io.tunelog.gateway;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import io.tunelog.domain.state.TrialStatus;
import io.tunelog.http.Problem;
import io.tunelog.results.Json;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The API's GET routes but the stream: each reads what it needs of one experiment (or of each) from the catalog,
 * under the experiment's lock and off the event loop, and answers with its {@link ExperimentJson} view.
 */
final class ReadRoutes {
    static final int DEFAULT_LIMIT = 1_000;
    static final int MAX_LIMIT = 10_000;

    private final ExperimentCatalog catalog;

    ReadRoutes(ExperimentCatalog catalog) {
        this.catalog = catalog;
    }

    /** {@code GET /api/experiments}: oldest first. */
    void list(RoutingContext ctx) {
        Reply.offLoop(ctx, () -> {
            List<ExperimentJson.Line> lines = new ArrayList<>(catalog.readAll(ExperimentJson::line));
            lines.sort(Comparator.comparing((ExperimentJson.Line l) -> l.submittedAt() == null ? "" : l.submittedAt())
                    .thenComparing(ExperimentJson.Line::experimentId));
            ObjectNode body = Json.MAPPER.createObjectNode();
            ArrayNode list = body.putArray("experiments");
            lines.forEach(l -> list.add(l.node()));
            return new Reply(200, body);
        });
    }

    /** {@code GET /api/experiments/{experimentId}}: the summary and the spec. */
    void experiment(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        Reply.offLoop(ctx, () -> {
            record Summary(ObjectNode node, String specJson) {}
            List<ExperimentCatalog.Rejection> rejections = catalog.rejections(id);
            Summary summary = catalog.require(id, experiment ->
                    new Summary(ExperimentJson.summary(experiment, rejections), experiment.state().specJson()));
            // Parsed outside the lock: a spec may be a few hundred KiB.
            summary.node().set("spec", summary.specJson() == null ? Json.MAPPER.nullNode() : Json.MAPPER.readTree(summary.specJson()));
            return new Reply(200, summary.node());
        });
    }

    /** {@code GET /api/experiments/{experimentId}/trials[?status=&sort=metric|trial&order=asc|desc]}. */
    void trials(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        TrialStatus status = QueryParams.enumParam(ctx, "status", TrialStatus.class, null);
        String sort = QueryParams.choice(ctx, "sort", List.of("trial", "metric"), "trial");
        String order = QueryParams.choice(ctx, "order", List.of("asc", "desc"), "asc");
        Reply.offLoop(ctx, () -> {
            Trials trials = catalog.require(id, experiment -> {
                ExperimentState state = experiment.state();
                String metric = state.spec() == null ? null : state.spec().metric().name();
                Set<String> front = new HashSet<>();
                if (state.spec() != null && state.spec().isMultiObjective()) {
                    // Only rows of several objectives say onFront; the front is quadratic in the trials.
                    experiment.front().forEach(m -> front.add(m.trialId()));
                }
                List<Row> rows = new ArrayList<>();
                for (TrialState t : state.trials()) {
                    if (status == null || t.status() == status) {
                        Double value = metric == null ? null : t.lastValue(metric).orElse(null);
                        rows.add(new Row(t.index(), value, ExperimentJson.trial(t, value, state.spec(), front)));
                    }
                }
                return new Trials(state.spec(), rows);
            });
            Comparator<Row> by = sort.equals("metric")
                    ? Comparator.comparing(Row::value, Comparator.nullsLast(order.equals("asc")
                            ? Comparator.<Double>naturalOrder() : Comparator.<Double>reverseOrder()))
                    : Comparator.comparingInt(Row::index);
            if (sort.equals("trial") && order.equals("desc")) {
                by = by.reversed();
            }
            // Ties (equal values, or none) keep creation order.
            List<Row> rows = new ArrayList<>(trials.rows());
            rows.sort(by.thenComparingInt(Row::index));
            return new Reply(200, ExperimentJson.trials(id, trials.spec(), rows.stream().map(Row::node).toList()));
        });
    }

    /** A line of the trial list, with what it sorts by. */
    private record Row(int index, Double value, ObjectNode node) {}

    private record Trials(ExperimentSpec spec, List<Row> rows) {}

    /** {@code GET /api/experiments/{experimentId}/trials/{trialId}/reports}. */
    void reports(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String trialId = ctx.pathParam("trialId");
        Reply.offLoop(ctx, () -> {
            List<Report> reports = catalog.require(id, experiment -> {
                TrialState trial = experiment.state().trial(trialId);
                return trial == null ? null : List.copyOf(trial.reports());
            });
            if (reports == null) {
                throw new Problem(404, "trialId", "experiment " + id + " has no trial " + trialId);
            }
            return new Reply(200, ExperimentJson.reports(id, trialId, reports));
        });
    }

    /** {@code GET /api/experiments/{experimentId}/decisions}. */
    void decisions(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        Reply.offLoop(ctx, () -> {
            List<LoggedEvent> decisions = catalog.require(id, experiment -> List.copyOf(experiment.decisions()));
            return new Reply(200, ExperimentJson.decisions(id, decisions));
        });
    }

    /**
     * {@code GET /api/experiments/{experimentId}/curves}: one request draws every learning curve, where one per trial
     * would be 10,000 requests for a 10,000-trial experiment.
     */
    void curves(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        Reply.offLoop(ctx, () -> new Reply(200, catalog.require(id, ExperimentJson::curves)));
    }

    /** {@code GET /api/experiments/{experimentId}/events[?from=&limit=]}. */
    void events(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        long from = QueryParams.longParam(ctx, "from", 0, Long.MAX_VALUE, 0);
        int limit = (int) QueryParams.longParam(ctx, "limit", 1, MAX_LIMIT, DEFAULT_LIMIT);
        Reply.offLoop(ctx, () -> {
            // One more than asked for says whether another page is there, without a count of the rest.
            List<LoggedEvent> events = catalog.require(id, experiment -> experiment.eventsFrom(from, limit + 1));
            boolean more = events.size() > limit;
            List<LoggedEvent> page = more ? events.subList(0, limit) : events;
            long next = page.isEmpty() ? from : page.get(page.size() - 1).offset() + 1;
            return new Reply(200, ExperimentJson.events(id, page, next, more));
        });
    }
}
