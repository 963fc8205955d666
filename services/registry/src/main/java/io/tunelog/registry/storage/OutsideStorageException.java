package io.tunelog.registry.storage;

import java.net.URI;

/** A checkpoint URI a store refuses: it does not name a place inside the store's storage. */
public final class OutsideStorageException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public OutsideStorageException(URI uri, String why) {
        super("checkpoint " + uri + " " + why);
    }
}
