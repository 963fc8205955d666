package io.tunelog.http;

import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.file.FileSystemOptions;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.net.PfxOptions;
import io.vertx.ext.web.Router;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One of our HTTP servers (the gateway, the checkpoint server) listening: a Vert.x of its own serving one router on a
 * host and port, over TLS when {@link HttpSecurity} has a keystore. Closing it stops the server and its Vert.x.
 */
public final class HttpEndpoint implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(HttpEndpoint.class);
    // A gateway stream beats every 15 s and an archive being sent keeps writing, so only a client that is gone, or
    // stopped reading, goes this long without traffic; dropping it frees what serves it.
    private static final long IDLE_TIMEOUT_MINUTES = 2;

    private final String name;
    private final Vertx vertx;
    private final Router router;
    private final int port;

    private HttpEndpoint(String name, Vertx vertx, Router router, int port) {
        this.name = name;
        this.vertx = vertx;
        this.router = router;
        this.port = port;
    }

    /**
     * Starts a Vert.x, builds the router on it, and listens on {@code host}:{@code port} (0 for any free port) as
     * {@code security} says, warning of what the operator should hear about it.
     *
     * @param name what the server is, for messages: "the gateway"
     */
    public static HttpEndpoint start(String name, String host, int port, HttpSecurity security, Function<Vertx, Router> routes) {
        // Nothing is served from the class path through Vert.x, so it needs no file cache directory.
        Vertx vertx = Vertx.vertx(new VertxOptions().setFileSystemOptions(
                new FileSystemOptions().setClassPathResolvingEnabled(false).setFileCachingEnabled(false)));
        HttpServerOptions options = new HttpServerOptions().setIdleTimeout((int) IDLE_TIMEOUT_MINUTES).setIdleTimeoutUnit(TimeUnit.MINUTES);
        if (security.tls() != null) {
            options.setSsl(true).setKeyCertOptions(new PfxOptions()
                    .setPath(security.tls().keystore().toString()).setPassword(security.tls().password()));
        }
        try {
            Router router = routes.apply(vertx);
            int actualPort = vertx.createHttpServer(options)
                    .requestHandler(router)
                    .listen(port, host)
                    .await(30, TimeUnit.SECONDS)
                    .actualPort();
            security.warnings(name, host).forEach(LOG::warn);
            return new HttpEndpoint(name, vertx, router, actualPort);
        } catch (Exception e) {
            vertx.close();
            throw new IllegalStateException(name + " cannot start on " + host + ":" + port + ": " + e.getMessage(), e);
        }
    }

    /** The port listened on. */
    public int port() {
        return port;
    }

    /** The router served. */
    public Router router() {
        return router;
    }

    @Override
    public void close() {
        try {
            vertx.close().await(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            LOG.warn("{} did not stop cleanly: {}", name, e.toString());
        }
    }
}
