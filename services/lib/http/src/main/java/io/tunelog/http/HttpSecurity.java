package io.tunelog.http;

import io.vertx.core.Handler;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.RoutingContext;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * How one of our HTTP servers (the gateway, the checkpoint server) lets clients in: with {@link Tokens}, or open to
 * anyone who can connect when the operator said so; over TLS with a PKCS12 keystore, or in clear.
 *
 * @param tokens who may call it, or null for no authentication
 * @param tls    its certificate and key, or null for plain HTTP
 */
public record HttpSecurity(Tokens tokens, Tls tls) {
    private static final String HOLDER = "tunelog.token";

    /** A PKCS12 keystore holding the server's key and certificate chain, checked to open with its password. */
    public record Tls(Path keystore, String password) {
        public Tls {
            keystore = keystore.toAbsolutePath();
        }

        @Override
        public String toString() {
            return "Tls[keystore=" + keystore + "]"; // never the password
        }
    }

    /** Opens {@code keystore} now, so a wrong path or password is told before anything starts. */
    public static Tls tls(Path keystore, String password) {
        KeyStore store;
        try (InputStream in = Files.newInputStream(keystore)) {
            store = KeyStore.getInstance("PKCS12");
            store.load(in, password.toCharArray());
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot open PKCS12 keystore " + keystore + ": " + e.getMessage(), e);
        }
        try {
            for (String alias : Collections.list(store.aliases())) {
                if (store.isKeyEntry(alias)) {
                    return new Tls(keystore, password);
                }
            }
        } catch (GeneralSecurityException e) {
            throw new IllegalArgumentException("cannot read PKCS12 keystore " + keystore + ": " + e.getMessage(), e);
        }
        throw new IllegalArgumentException("PKCS12 keystore " + keystore + " holds no private key for the server");
    }

    public boolean authenticates() {
        return tokens != null;
    }

    /**
     * The holder of the request's token, if it may do what needs {@code needed}, or the {@link Problem} to answer;
     * null when the server does not authenticate.
     */
    public Tokens.Holder authorize(String authorization, Tokens.Scope needed) {
        return tokens == null ? null : tokens.authorize(authorization, needed);
    }

    /**
     * A route handler that lets a request go on only with a token whose scope covers what {@code scopeFor} says its
     * method needs, answering 401 or 403 otherwise; the holder is kept for {@link #holder}. Put it before the routes
     * it guards, so that not even a 404 or a body limit answers a client without a token.
     */
    public Handler<RoutingContext> guard(Function<HttpMethod, Tokens.Scope> scopeFor) {
        return ctx -> {
            Tokens.Holder holder = authorize(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), scopeFor.apply(ctx.request().method()));
            if (holder != null) {
                ctx.put(HOLDER, holder);
            }
            ctx.next();
        };
    }

    /**
     * As {@link #guard}, with the scope chosen from the whole request (its method and path), for a server whose routes
     * need different scopes for the same method.
     */
    public Handler<RoutingContext> guardRequests(Function<HttpServerRequest, Tokens.Scope> scopeFor) {
        return ctx -> {
            Tokens.Holder holder = authorize(ctx.request().getHeader(HttpHeaders.AUTHORIZATION), scopeFor.apply(ctx.request()));
            if (holder != null) {
                ctx.put(HOLDER, holder);
            }
            ctx.next();
        };
    }

    /** Who presented the request's token, as {@link #guard} found; empty when the server does not authenticate. */
    public static Optional<Tokens.Holder> holder(RoutingContext ctx) {
        return Optional.ofNullable(ctx.get(HOLDER));
    }

    /** "https" or "http", for the address a server prints. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }

    /** What the operator should hear when {@code server} starts on {@code host} like this. */
    public List<String> warnings(String server, String host) {
        List<String> warnings = new ArrayList<>();
        if (tokens == null) {
            warnings.add(server + " has no authentication (--no-auth): anyone who can reach " + host + " can use all of it");
        } else if (tls == null && !loopback(host)) {
            warnings.add(server + " serves " + host + " without TLS: tokens travel in clear over the network; "
                    + "give --tls-keystore, or serve on 127.0.0.1 behind a proxy that terminates TLS");
        }
        return warnings;
    }

    private static boolean loopback(String host) {
        try {
            for (InetAddress a : InetAddress.getAllByName(host)) {
                if (!a.isLoopbackAddress()) {
                    return false;
                }
            }
            return true;
        } catch (UnknownHostException e) {
            return false;
        }
    }
}
