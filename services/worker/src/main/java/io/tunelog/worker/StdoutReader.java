package io.tunelog.worker;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/**
 * Splits a trial's stdout into lines without trusting it: at most {@code maxLineBytes} of any line are held in
 * memory, however long the line or however long it goes without a line break, and reading stops once more
 * than {@code maxBytes} have arrived. A line ends at {@code \n}, {@code \r\n} or a lone {@code \r} (as
 * {@link java.io.BufferedReader#readLine} has it, so progress bars redrawn with {@code \r} are lines).
 */
final class StdoutReader {
    /** Where lines go, on the reading thread. */
    interface Lines {
        /** A line of at most {@code maxLineBytes}, without its terminator. */
        void line(String text);

        /** A line longer than {@code maxLineBytes}: its first {@code maxLineBytes} (decoded) and its full length. */
        void overlong(String head, long length);

        /** Everything read so far has been passed on: a good moment to flush. */
        default void caughtUp() {}
    }

    private final long maxBytes;
    private final int maxLineBytes;

    StdoutReader(long maxBytes, int maxLineBytes) {
        if (maxBytes < 1 || maxLineBytes < 1) {
            throw new IllegalArgumentException("limits must be positive: " + maxBytes + ", " + maxLineBytes);
        }
        this.maxBytes = maxBytes;
        this.maxLineBytes = maxLineBytes;
    }

    /**
     * Reads {@code in} to its end, passing each line on.
     *
     * @return true at the end of the stream; false as soon as more than {@code maxBytes} arrived, in which case
     *     the bytes past the limit, and the unfinished line before them, are not passed on
     */
    boolean readAll(InputStream in, Lines lines) throws IOException {
        byte[] chunk = new byte[8192];
        byte[] line = new byte[maxLineBytes];
        int held = 0;
        long length = 0;
        boolean afterCr = false;
        long total = 0;
        int n;
        while ((n = in.read(chunk)) != -1) {
            int within = (int) Math.min(n, maxBytes - total);
            for (int i = 0; i < within; i++) {
                byte b = chunk[i];
                if (b == '\n' && afterCr) {
                    afterCr = false;
                    continue;
                }
                afterCr = b == '\r';
                if (b == '\n' || b == '\r') {
                    emit(line, held, length, lines);
                    held = 0;
                    length = 0;
                } else {
                    if (held < line.length) {
                        line[held++] = b;
                    }
                    length++;
                }
            }
            total += n;
            if (total > maxBytes) {
                lines.caughtUp();
                return false;
            }
            lines.caughtUp();
        }
        if (length > 0) {
            emit(line, held, length, lines);
        }
        lines.caughtUp();
        return true;
    }

    private static void emit(byte[] line, int held, long length, Lines lines) {
        String text = new String(line, 0, held, StandardCharsets.UTF_8);
        if (length > held) {
            lines.overlong(text, length);
        } else {
            lines.line(text);
        }
    }
}
