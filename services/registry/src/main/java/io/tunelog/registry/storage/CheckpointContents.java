package io.tunelog.registry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.List;

/** A checkpoint's files as a store lists them, so that any store's checkpoints archive the same way. */
public interface CheckpointContents {

    /** Directories and files below the checkpoint, parents before children, in name order. */
    List<Entry> entries();

    /** The bytes of a file entry. */
    InputStream open(Entry file) throws IOException;

    /**
     * One directory or file.
     *
     * @param name path relative to the checkpoint, '/'-separated
     * @param size bytes of a file; 0 for a directory
     */
    record Entry(String name, boolean directory, long size, Instant modified) {}
}
