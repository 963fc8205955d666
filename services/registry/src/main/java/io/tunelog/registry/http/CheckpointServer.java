package io.tunelog.registry.http;

import io.tunelog.http.HttpSecurity;
import io.tunelog.http.Problem;
import io.tunelog.http.Tokens;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.domain.state.Checkpoint;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.TrialState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.log.ExperimentsView;
import io.tunelog.registry.storage.CheckpointContents;
import io.tunelog.registry.storage.CheckpointStore;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.OutsideStorageException;
import io.tunelog.registry.storage.TarArchive;
import io.tunelog.registry.storage.UnsupportedSchemeException;
import io.tunelog.results.Json;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.List;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checkpoint registry over HTTP: lists an experiment's checkpoints as the log has them and serves a
 * checkpoint's directory as a tar stream. What exists, and whether it was deleted, comes from the log
 * alone (folded by {@link ExperimentsView}); storage is consulted only for the bytes.
 *
 * <pre>
 * GET /health
 * GET /experiments/{experimentId}/checkpoints[?trial=]
 * GET /experiments/{experimentId}/checkpoints/{checkpointId}[?trial=]
 * GET /experiments/{experimentId}/checkpoints/{checkpointId}/archive[?trial=]
 * </pre>
 *
 * Checkpoint ids hold '/', so a client sends them percent-encoded as one path segment; each listed
 * checkpoint carries its archive path ready to use. Every error is {@code {"error": ..., "field": ...}}.
 *
 * <p>Everything under {@code /experiments/} needs a read token ({@link Tokens}), unless the server was started
 * without authentication; {@code /health} says only whether it reads the log, and answers anyone, as probes do not
 * carry tokens.
 */
public final class CheckpointServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointServer.class);
    private static final String JSON = "application/json";
    // Each archive being sent holds one of these threads; more requests wait for a free one.
    private static final int ARCHIVE_THREADS = 4;

    private final ExperimentsView<ExperimentState> view;
    private final CheckpointStores stores;
    private final HttpSecurity security;
    private final Vertx vertx;
    private final WorkerExecutor archives;
    private final int port;

    private CheckpointServer(ExperimentsView<ExperimentState> view, CheckpointStores stores, String host, int port, HttpSecurity security) {
        this.view = view;
        this.stores = stores;
        this.security = security;
        // Nothing is served from the class path, so Vert.x needs no file cache directory.
        this.vertx = Vertx.vertx(new VertxOptions().setFileSystemOptions(
                new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false)));
        // A large checkpoint takes long to send; Vert.x would otherwise report the thread as blocked after a minute.
        this.archives = vertx.createSharedWorkerExecutor("checkpoint-archives", ARCHIVE_THREADS, 1, TimeUnit.HOURS);
        HttpServerOptions options = new HttpServerOptions()
                // A client that stops reading is dropped, which frees the thread sending to it.
                .setIdleTimeout(2).setIdleTimeoutUnit(TimeUnit.MINUTES);
        if (security.tls() != null) {
            options.setSsl(true).setKeyCertOptions(new PfxOptions()
                    .setPath(security.tls().keystore().toString()).setPassword(security.tls().password()));
        }
        try {
            this.port = vertx.createHttpServer(options)
                    .requestHandler(routes())
                    .listen(port, host)
                    .await(30, TimeUnit.SECONDS)
                    .actualPort();
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException("cannot serve checkpoints on " + host + ":" + port + ": " + e.getMessage(), e);
        }
        security.warnings("the checkpoint server", host).forEach(LOG::warn);
    }

    /**
     * Starts reading the log and listening on {@code host}:{@code port} (0 for any free port), letting clients in as
     * {@code security} says. The log topic must exist or appear within a minute.
     */
    public static CheckpointServer start(KafkaClients clients, CheckpointStores stores, String host, int port,
                                         HttpSecurity security) {
        ExperimentsView<ExperimentState> view = ExperimentsView.states(clients, "tunelog-registry-http");
        try {
            return new CheckpointServer(view, stores, host, port, security);
        } catch (RuntimeException e) {
            view.close();
            throw e;
        }
    }

    /** The port listened on. */
    public int port() {
        return port;
    }

    private Router routes() {
        Router router = Router.router(vertx);
        router.get("/health").handler(this::health);
        // Before the routes, so an unknown path or method tells nothing to a client without a token either.
        router.route("/experiments/*").handler(ctx -> {
            security.authorize(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), Tokens.Scope.READ);
            ctx.next();
        });
        router.get("/experiments/:experimentId/checkpoints").handler(this::list);
        router.get("/experiments/:experimentId/checkpoints/:checkpointId").handler(this::metadata);
        router.get("/experiments/:experimentId/checkpoints/:checkpointId/archive").handler(this::archive);
        router.route().failureHandler(this::failed);
        router.errorHandler(404, ctx -> error(ctx, new Problem(404, "path", "no endpoint " + ctx.request().path()
                + "; a checkpoint id is one path segment, its '/' sent as %2F")));
        router.errorHandler(405, ctx -> error(ctx, new Problem(405, "method", ctx.request().method() + " is not served; use GET")));
        return router;
    }

    private void health(RoutingContext ctx) {
        view.failure().ifPresent(e -> {
            throw new Problem(503, "log", "the server stopped reading the log: " + e);
        });
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("status", "ok");
        body.put("caughtUp", view.caughtUp());
        body.put("experiments", view.experimentCount());
        respond(ctx, 200, body);
    }

    private void list(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        String trial = ctx.queryParams().get("trial");
        Snapshot snapshot = snapshot(experimentId);
        if (trial != null && !snapshot.trialIds().contains(trial)) {
            throw new Problem(404, "trial", "experiment " + experimentId + " has no trial " + trial);
        }
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("experimentId", experimentId);
        ArrayNode list = body.putArray("checkpoints");
        snapshot.checkpoints().stream()
                .filter(c -> trial == null || c.trialId().equals(trial))
                .forEach(c -> list.add(json(experimentId, c)));
        respond(ctx, 200, body);
    }

    private void metadata(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        respond(ctx, 200, json(experimentId, checkpoint(ctx)));
    }

    private void archive(RoutingContext ctx) {
        Checkpoint checkpoint = checkpoint(ctx);
        if (checkpoint.deleted()) {
            throw new Problem(410, "checkpointId", "the log says checkpoint " + checkpoint.checkpointId() + " was deleted");
        }
        URI uri;
        try {
            uri = URI.create(checkpoint.uri());
        } catch (IllegalArgumentException e) {
            throw new Problem(403, "uri", "checkpoint uri " + checkpoint.uri() + " is not a valid URI");
        }
        CheckpointStore store;
        try {
            store = stores.forUri(uri);
        } catch (UnsupportedSchemeException e) {
            throw new Problem(501, "uri", e.getMessage());
        }
        Context context = vertx.getOrCreateContext();
        archives.executeBlocking(() -> store.open(uri), false).onComplete(opened -> {
            if (opened.failed()) {
                ctx.fail(storageProblem(uri, opened.cause()));
                return;
            }
            send(ctx, context, checkpoint, uri, opened.result());
        });
    }

    private void send(RoutingContext ctx, Context context, Checkpoint checkpoint, URI uri, CheckpointContents contents) {
        String name = archiveName(checkpoint.checkpointId());
        HttpServerResponse response = ctx.response()
                .setChunked(true)
                .putHeader(HttpHeaders.CONTENT_TYPE, TarArchive.CONTENT_TYPE)
                .putHeader(HttpHeaders.CONTENT_DISPOSITION, "attachment; filename=\"" + name + ".tar\"");
        ResponseOutputStream out = new ResponseOutputStream(context, response);
        archives.executeBlocking(() -> {
            TarArchive.write(name, contents, out);
            return null;
        }, false).onComplete(sent -> {
            if (sent.succeeded()) {
                response.end();
            } else if (!response.headWritten()) {
                // Nothing has left yet (small archives go in one chunk at the end), so the client still gets a status.
                response.headers().clear();
                response.setChunked(false);
                ctx.fail(storageProblem(uri, sent.cause()));
            } else {
                // Too late for a status: breaking the connection keeps a client from taking a cut archive as whole.
                if (sent.cause() instanceof ResponseOutputStream.ClientGone) {
                    LOG.info("checkpoint {} not sent in full: {}", checkpoint.checkpointId(), sent.cause().getMessage());
                } else {
                    LOG.warn("checkpoint {} cut short: {}", checkpoint.checkpointId(), sent.cause().toString());
                }
                response.reset();
            }
        });
    }

    private static Problem storageProblem(URI uri, Throwable cause) {
        if (cause instanceof OutsideStorageException) {
            return new Problem(403, "uri", cause.getMessage());
        }
        if (cause instanceof NoSuchFileException || cause instanceof NotDirectoryException) {
            return new Problem(404, "uri", "storage holds no checkpoint directory at " + uri);
        }
        LOG.warn("cannot read checkpoint {}", uri, cause);
        return new Problem(500, "uri", "cannot read checkpoint " + uri + ": " + cause);
    }

    /** The checkpoint the path names, in the trial {@code ?trial=} names if given. */
    private Checkpoint checkpoint(RoutingContext ctx) {
        String experimentId = ctx.pathParam("experimentId");
        String checkpointId = ctx.pathParam("checkpointId");
        String trial = ctx.queryParams().get("trial");
        List<Checkpoint> found = snapshot(experimentId).checkpoints().stream()
                .filter(c -> c.checkpointId().equals(checkpointId) && (trial == null || c.trialId().equals(trial)))
                .toList();
        if (found.isEmpty()) {
            throw new Problem(404, "checkpointId", "experiment " + experimentId + " has no checkpoint " + checkpointId
                    + (trial == null ? "" : " in trial " + trial));
        }
        if (found.size() > 1) {
            // Workers choose checkpoint ids; the rules make them unique within a trial only.
            throw new Problem(409, "checkpointId", "checkpoint id " + checkpointId + " is registered by trials "
                    + found.stream().map(Checkpoint::trialId).toList() + "; name one with ?trial=");
        }
        return found.get(0);
    }

    private record Snapshot(List<String> trialIds, List<Checkpoint> checkpoints) {}

    /** The experiment's trials and checkpoints, copied out of the folded state under its lock. */
    private Snapshot snapshot(String experimentId) {
        return view.read(experimentId, state -> new Snapshot(
                        state.trials().stream().map(TrialState::trialId).toList(),
                        state.trials().stream().flatMap(t -> t.checkpoints().stream()).toList()))
                .orElseThrow(() -> view.caughtUp()
                        ? new Problem(404, "experimentId", "no experiment " + experimentId + " in the log")
                        : new Problem(503, "experimentId", "experiment " + experimentId
                                + " is not known yet: the server is still reading the log"));
    }

    private static ObjectNode json(String experimentId, Checkpoint c) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("trialId", c.trialId());
        node.put("checkpointId", c.checkpointId());
        node.put("attempt", c.attempt());
        node.put("step", c.step());
        node.put("uri", c.uri());
        node.put("sizeBytes", c.sizeBytes());
        node.set("metrics", Json.MAPPER.valueToTree(new TreeMap<>(c.metrics())));
        node.put("status", c.deleted() ? "deleted" : "live");
        node.put("archive", "/experiments/" + segment(experimentId) + "/checkpoints/" + segment(c.checkpointId()) + "/archive");
        return node;
    }

    /** Percent-encodes all but RFC 3986's unreserved characters, so the value stays one path segment. */
    static String segment(String value) {
        StringBuilder b = new StringBuilder();
        for (byte x : value.getBytes(StandardCharsets.UTF_8)) {
            char c = (char) (x & 0xff);
            if ((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~') {
                b.append(c);
            } else {
                b.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
                        .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
            }
        }
        return b.toString();
    }

    /**
     * A file and top-directory name for the archive, from the checkpoint id: one path component that
     * cannot climb out of where it is unpacked (the id comes from a worker).
     */
    static String archiveName(String checkpointId) {
        String name = checkpointId.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() || name.startsWith(".") ? "_" + name : name;
    }

    private void failed(RoutingContext ctx) {
        if (ctx.failure() instanceof Problem p) {
            error(ctx, p);
        } else if (ctx.failure() == null) {
            error(ctx, new Problem(ctx.statusCode(), "path", "request failed with status " + ctx.statusCode()));
        } else {
            LOG.warn("request {} failed", ctx.request().path(), ctx.failure());
            error(ctx, new Problem(500, "path", "internal error: " + ctx.failure()));
        }
    }

    private static void error(RoutingContext ctx, Problem p) {
        ObjectNode body = Json.MAPPER.createObjectNode();
        body.put("error", p.getMessage());
        body.put("field", p.field);
        respond(ctx, p.status, body);
    }

    private static void respond(RoutingContext ctx, int status, ObjectNode body) {
        if (status == 401) {
            ctx.response().putHeader("WWW-Authenticate", Tokens.CHALLENGE);
        }
        byte[] bytes;
        try {
            bytes = Json.MAPPER.writeValueAsBytes(body);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
        ctx.response().setStatusCode(status).putHeader(HttpHeaders.CONTENT_TYPE, JSON).end(Buffer.buffer(bytes));
    }

    @Override
    public void close() {
        try {
            vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("checkpoint server did not stop cleanly: {}", e.toString());
        }
        view.close();
    }
}
