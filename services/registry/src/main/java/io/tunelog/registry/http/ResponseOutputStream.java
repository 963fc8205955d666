package io.tunelog.registry.http;

import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;

/**
 * Lets blocking code (an archive being written on a worker thread) write to an HTTP response. Each
 * chunk is handed to the response on its own event loop, and the writer waits while the response's
 * queue is full, so a slow client holds back the reading of the checkpoint instead of filling memory.
 */
final class ResponseOutputStream extends OutputStream {
    private static final int CHUNK = 64 * 1024;

    private final Context context;
    private final HttpServerResponse response;
    private final byte[] buffer = new byte[CHUNK];
    private int count;
    // Both touched only on the response's event loop.
    private boolean gone;
    private CompletableFuture<Void> waitingForDrain;

    /** Must be created on the response's event loop, {@code context}. */
    ResponseOutputStream(Context context, HttpServerResponse response) {
        this.context = context;
        this.response = response;
        response.closeHandler(v -> {
            gone = true;
            if (waitingForDrain != null) {
                waitingForDrain.completeExceptionally(new ClientGone());
            }
        });
    }

    @Override
    public void write(int b) throws IOException {
        buffer[count++] = (byte) b;
        if (count == CHUNK) {
            send();
        }
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
        while (len > 0) {
            int n = Math.min(len, CHUNK - count);
            System.arraycopy(b, off, buffer, count, n);
            count += n;
            off += n;
            len -= n;
            if (count == CHUNK) {
                send();
            }
        }
    }

    @Override
    public void flush() throws IOException {
        if (count > 0) {
            send();
        }
    }

    /** Sends what is buffered; ending the response is the caller's, once the whole archive is written. */
    @Override
    public void close() throws IOException {
        flush();
    }

    private void send() throws IOException {
        Buffer chunk = Buffer.buffer(Arrays.copyOf(buffer, count));
        count = 0;
        CompletableFuture<Void> accepted = new CompletableFuture<>();
        context.runOnContext(v -> {
            if (gone) {
                accepted.completeExceptionally(new ClientGone());
                return;
            }
            response.write(chunk).onFailure(e -> gone = true);
            if (response.writeQueueFull()) {
                waitingForDrain = accepted;
                response.drainHandler(d -> {
                    waitingForDrain = null;
                    accepted.complete(null);
                });
            } else {
                accepted.complete(null);
            }
        });
        try {
            accepted.get();
        } catch (ExecutionException e) {
            throw e.getCause() instanceof IOException io ? io : new IOException(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while sending a checkpoint");
        }
    }

    /** The client closed the connection: an everyday event, not a storage fault. */
    static final class ClientGone extends IOException {
        private static final long serialVersionUID = 1L;

        ClientGone() {
            super("the client closed the connection");
        }
    }
}
