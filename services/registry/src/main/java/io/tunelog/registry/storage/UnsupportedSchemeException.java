package io.tunelog.registry.storage;

import java.util.Set;

/** No store is plugged in for a checkpoint URI's scheme. */
public final class UnsupportedSchemeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String scheme;

    public UnsupportedSchemeException(String scheme, Set<String> known) {
        super(scheme == null
                ? "checkpoint uri has no scheme; stores exist for " + known
                : "no checkpoint store for scheme '" + scheme + "'; stores exist for " + known);
        this.scheme = scheme;
    }

    /** The scheme without a store; null when the URI had none. */
    public String scheme() {
        return scheme;
    }
}
