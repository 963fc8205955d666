package io.tunelog.worker;

import java.io.BufferedOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** A trial's output log (stdout.log, stderr.log) that never grows past its cap: whatever would go past it is dropped. */
final class CappedLog implements Closeable {
    private final OutputStream out;
    private final long cap;
    private long written;

    CappedLog(Path file, long cap) throws IOException {
        this.out = new BufferedOutputStream(Files.newOutputStream(file), 64 * 1024);
        this.cap = cap;
    }

    /** Appends the line and a line break, or as much of them as fits. */
    void println(String text) throws IOException {
        if (written >= cap) {
            return;
        }
        byte[] bytes = (text + "\n").getBytes(StandardCharsets.UTF_8);
        int n = (int) Math.min(bytes.length, cap - written);
        out.write(bytes, 0, n);
        written += n;
    }

    /** Appends the bytes, or as many as fit; false when some did not. */
    boolean write(byte[] bytes, int offset, int length) throws IOException {
        int n = (int) Math.min(length, cap - written);
        out.write(bytes, offset, n);
        written += n;
        return n == length;
    }

    void flush() throws IOException {
        out.flush();
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
