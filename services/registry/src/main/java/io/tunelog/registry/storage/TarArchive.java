package io.tunelog.registry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.concurrent.TimeUnit;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

/**
 * Writes a checkpoint as a tar stream: tar keeps directories, empty ones included, can be written
 * without knowing its total size, and unpacks with the tools found on every training host.
 */
public final class TarArchive {
    public static final String CONTENT_TYPE = "application/x-tar";

    private TarArchive() {}

    /**
     * Writes every entry of {@code contents} below one top directory {@code top} (so an archive unpacks
     * into a directory of its own), then closes {@code out}.
     */
    public static void write(String top, CheckpointContents contents, OutputStream out) throws IOException {
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out, StandardCharsets.UTF_8.name())) {
            // POSIX extensions: names past 100 bytes and files past 8 GiB are common in checkpoints.
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            // The top directory takes its newest entry's time, so the same checkpoint gives the same bytes.
            Instant newest = contents.entries().stream().map(CheckpointContents.Entry::modified).max(Instant::compareTo).orElse(Instant.EPOCH);
            tar.putArchiveEntry(entry(top + "/", newest));
            tar.closeArchiveEntry();
            for (CheckpointContents.Entry e : contents.entries()) {
                TarArchiveEntry entry = entry(top + "/" + e.name() + (e.directory() ? "/" : ""), e.modified());
                if (!e.directory()) {
                    entry.setSize(e.size());
                }
                tar.putArchiveEntry(entry);
                if (!e.directory()) {
                    try (InputStream in = contents.open(e)) {
                        in.transferTo(tar);
                    }
                }
                tar.closeArchiveEntry();
            }
            tar.finish();
        }
    }

    private static TarArchiveEntry entry(String name, Instant modified) {
        TarArchiveEntry entry = new TarArchiveEntry(name);
        // Whole seconds fit the plain header; finer times would add a PAX record to every entry.
        entry.setModTime(FileTime.from(modified.getEpochSecond(), TimeUnit.SECONDS));
        return entry;
    }
}
