package io.tunelog.registry.storage;

import java.util.Set;

/** No store is plugged in for a checkpoint URI's scheme. */
public final class UnsupportedSchemeException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public UnsupportedSchemeException(String scheme, Set<String> known) {
        super(scheme == null
                ? "checkpoint uri has no scheme; stores exist for " + known
                : "no checkpoint store for scheme '" + scheme + "'; stores exist for " + known);
    }
}
