package io.tunelog.registry.storage;

import java.io.IOException;
import java.net.URI;

/**
 * Where checkpoints live, for the URIs of one scheme. Checkpoint URIs come from workers, which are
 * outside the trust boundary, so a store serves and removes only what lies inside its own storage and
 * throws {@link OutsideStorageException} for anything else.
 */
public interface CheckpointStore {

    /** The URI scheme this store answers for, lower case ({@code file}). */
    String scheme();

    /**
     * The checkpoint's files, listed and checked; nothing is read until an entry is opened.
     *
     * @throws java.nio.file.NoSuchFileException when storage holds nothing at {@code uri}
     * @throws java.nio.file.NotDirectoryException when what it holds there is not a checkpoint directory
     */
    CheckpointContents open(URI uri) throws IOException;

    /**
     * Removes the checkpoint from storage.
     *
     * @return false when there was nothing to remove
     */
    boolean remove(URI uri) throws IOException;
}
