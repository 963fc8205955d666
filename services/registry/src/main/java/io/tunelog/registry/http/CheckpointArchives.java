package io.tunelog.registry.http;

import io.tunelog.domain.state.Checkpoint;
import io.tunelog.http.Problem;
import io.tunelog.registry.storage.CheckpointContents;
import io.tunelog.registry.storage.CheckpointStore;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.OutsideStorageException;
import io.tunelog.registry.storage.TarArchive;
import io.tunelog.registry.storage.UnsupportedSchemeException;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.WorkerExecutor;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.RoutingContext;
import java.net.URI;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends a checkpoint's directory as a tar stream, read from its storage through the store for its URI's scheme, on
 * threads of its own: a large checkpoint takes long to send, and the event loop must not wait for the disk.
 */
final class CheckpointArchives {
    private static final Logger LOG = LoggerFactory.getLogger(CheckpointArchives.class);
    // Each archive being sent holds one of these threads; more requests wait for a free one.
    private static final int THREADS = 4;

    private final Vertx vertx;
    private final CheckpointStores stores;
    private final WorkerExecutor archives;

    CheckpointArchives(Vertx vertx, CheckpointStores stores) {
        this.vertx = vertx;
        this.stores = stores;
        // Vert.x would otherwise report a thread sending a large checkpoint as blocked after a minute.
        this.archives = vertx.createSharedWorkerExecutor("checkpoint-archives", THREADS, 1, TimeUnit.HOURS);
    }

    /** Answers with the checkpoint's directory as a tar stream, or with why not. */
    void send(RoutingContext ctx, Checkpoint checkpoint) {
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
            stream(ctx, context, checkpoint, uri, opened.result());
        });
    }

    private void stream(RoutingContext ctx, Context context, Checkpoint checkpoint, URI uri, CheckpointContents contents) {
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

    /**
     * A file and top-directory name for the archive, from the checkpoint id: one path component that
     * cannot climb out of where it is unpacked (the id comes from a worker).
     */
    static String archiveName(String checkpointId) {
        String name = checkpointId.replaceAll("[^A-Za-z0-9._-]", "_");
        return name.isEmpty() || name.startsWith(".") ? "_" + name : name;
    }
}
