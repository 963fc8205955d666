package io.tunelog.gateway;

import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.http.Problem;
import io.tunelog.results.Json;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@code GET /api/experiments/{experimentId}/stream}: Server-Sent Events, every event of the experiment so far (after
 * {@code Last-Event-ID}, an offset, when given), then each new one as the catalog folds it; {@code id:} the offset,
 * {@code event:} the type, {@code data:} the event as {@code tunelog events} prints it; a comment every 15 s.
 */
final class EventStream {
    static final long HEARTBEAT_MS = 15_000;
    // Events per write to a stream: a reconnecting client of a long log gets it in slices, as the socket drains.
    private static final int SLICE = 256;

    private final ExperimentCatalog catalog;

    EventStream(ExperimentCatalog catalog) {
        this.catalog = catalog;
    }

    void open(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String lastEventId = ctx.request().getHeader("Last-Event-ID");
        long after;
        try {
            after = lastEventId == null || lastEventId.isBlank() ? -1 : Long.parseLong(lastEventId.trim());
        } catch (NumberFormatException e) {
            throw new Problem(400, "Last-Event-ID", "Last-Event-ID must be an event's id (its log offset), not " + lastEventId);
        }
        if (after < -1) {
            throw new Problem(400, "Last-Event-ID", "Last-Event-ID must be an offset, 0 or more, not " + lastEventId);
        }
        // A short read under the lock, on the event loop: it decides between a stream and an error status.
        int start = catalog.require(id, experiment -> experiment.firstIndexAtOrAfter(after + 1));
        new Feed(ctx.vertx(), ctx.response(), id, start).open();
    }

    /**
     * One client's stream. It holds an index into the experiment's events (which only grow) rather than a queue
     * of its own: each wake-up writes what lies past the index, a slice at a time while the socket takes it, so a
     * slow client costs a position, not a copy of the log.
     */
    private final class Feed {
        private final Vertx vertx;
        private final HttpServerResponse response;
        private final String experimentId;
        private final Context context;
        private final AtomicBoolean scheduled = new AtomicBoolean();
        private int next;
        private boolean closed;
        private Runnable unsubscribe;
        private long heartbeat;

        Feed(Vertx vertx, HttpServerResponse response, String experimentId, int next) {
            this.vertx = vertx;
            this.response = response;
            this.experimentId = experimentId;
            this.context = vertx.getOrCreateContext();
            this.next = next;
        }

        void open() {
            response.setChunked(true)
                    .putHeader(HttpHeaders.CONTENT_TYPE, "text/event-stream; charset=utf-8")
                    .putHeader(HttpHeaders.CACHE_CONTROL, "no-cache")
                    // A buffering proxy would hold events back until its buffer fills.
                    .putHeader("X-Accel-Buffering", "no");
            response.closeHandler(v -> close());
            response.exceptionHandler(e -> close());
            response.write(": events of " + experimentId + "\n\n");
            heartbeat = vertx.setPeriodic(HEARTBEAT_MS, t -> {
                if (!response.writeQueueFull()) {
                    response.write(": heartbeat\n\n");
                }
            });
            // Subscribed before the first pump, so an event folded in between wakes it again rather than being missed.
            unsubscribe = catalog.subscribe(experimentId, this::wake);
            pump();
        }

        /** From the catalog's reader thread: hands the work to this stream's event loop, once per burst. */
        void wake() {
            if (scheduled.compareAndSet(false, true)) {
                context.runOnContext(v -> {
                    scheduled.set(false);
                    pump();
                });
            }
        }

        private void pump() {
            while (!closed && !response.writeQueueFull()) {
                int from = next;
                List<LoggedEvent> slice = catalog.read(experimentId, e -> e.eventsAt(from, SLICE)).orElse(List.of());
                if (slice.isEmpty()) {
                    return;
                }
                next += slice.size();
                StringBuilder b = new StringBuilder();
                for (LoggedEvent logged : slice) {
                    b.append("id: ").append(logged.offset()).append('\n')
                            .append("event: ").append(logged.event().payload().getClass().getSimpleName()).append('\n')
                            .append("data: ").append(Json.event(logged).toString()).append("\n\n");
                }
                response.write(b.toString());
            }
            if (!closed) {
                response.drainHandler(v -> pump());
            }
        }

        private void close() {
            if (closed) {
                return;
            }
            closed = true;
            vertx.cancelTimer(heartbeat);
            if (unsubscribe != null) {
                unsubscribe.run();
            }
        }
    }
}
