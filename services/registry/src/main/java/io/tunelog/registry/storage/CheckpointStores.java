package io.tunelog.registry.storage;

import java.net.URI;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.List;

/** The stores by URI scheme: a checkpoint goes to the store of its URI's scheme, or nowhere. */
public final class CheckpointStores {
    private final Map<String, CheckpointStore> byScheme = new TreeMap<>();

    public CheckpointStores(List<CheckpointStore> stores) {
        for (CheckpointStore store : stores) {
            if (byScheme.putIfAbsent(store.scheme(), store) != null) {
                throw new IllegalArgumentException("two checkpoint stores for scheme '" + store.scheme() + "'");
            }
        }
    }

    /** @throws UnsupportedSchemeException naming the scheme when no store answers for it */
    public CheckpointStore forUri(URI uri) {
        // URI schemes are case-insensitive (RFC 3986); stores name theirs in lower case.
        String scheme = uri.getScheme() == null ? null : uri.getScheme().toLowerCase(Locale.ROOT);
        CheckpointStore store = scheme == null ? null : byScheme.get(scheme);
        if (store == null) {
            throw new UnsupportedSchemeException(scheme, byScheme.keySet());
        }
        return store;
    }
}
