package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class StdoutReaderTest {

    /** What the reader passed on: "line:<text>" or "long:<head length>:<length>:<head start>". */
    private static final class Collected implements StdoutReader.Lines {
        final List<String> seen = new ArrayList<>();

        @Override
        public void line(String text) {
            seen.add("line:" + text);
        }

        @Override
        public void overlong(String head, long length) {
            seen.add("long:" + head.length() + ":" + length + ":" + head.substring(0, Math.min(3, head.length())));
        }
    }

    private static Collected read(String text, long maxBytes, int maxLineBytes, boolean whole) throws IOException {
        Collected c = new Collected();
        boolean result = new StdoutReader(maxBytes, maxLineBytes)
                .readAll(new ByteArrayInputStream(text.getBytes(StandardCharsets.UTF_8)), c);
        assertThat(result).as("read to the end").isEqualTo(whole);
        return c;
    }

    @Test
    void shouldSplitLinesAtLineFeedCarriageReturnAndBoth() throws IOException {
        assertThat(read("a\nb\r\nc\rd\n\ne", 1000, 100, true).seen)
                .containsExactly("line:a", "line:b", "line:c", "line:d", "line:", "line:e");
    }

    @Test
    void shouldKeepOnlyTheHeadOfALineOverTheLineLimit() throws IOException {
        assertThat(read("{" + "x".repeat(99) + "\nok\n", 1000, 10, true).seen)
                .containsExactly("long:10:100:{xx", "line:ok");
    }

    @Test
    void shouldStopPastTheTotalLimitPassingOnOnlyWholeLinesWithinIt() throws IOException {
        assertThat(read("one\ntwo\nthree\n", 9, 100, false).seen).as("\"three\" starts within the limit but ends past it")
                .containsExactly("line:one", "line:two");
        assertThat(read("one\ntwo\n", 8, 100, true).seen).as("exactly at the limit").containsExactly("line:one", "line:two");
    }

    @Test
    void shouldHoldNoMoreThanTheLineLimitOfAnEndlessLine() throws IOException {
        // 256 MiB without a line break, never in memory at once: the stream makes it up as it is read.
        long size = 256L << 20;
        InputStream endless = new InputStream() {
            long left = size;

            @Override
            public int read() {
                return left-- > 0 ? '9' : -1;
            }

            @Override
            public int read(byte[] b, int off, int len) {
                if (left <= 0) {
                    return -1;
                }
                int n = (int) Math.min(len, left);
                java.util.Arrays.fill(b, off, off + n, (byte) '9');
                left -= n;
                return n;
            }
        };
        Collected c = new Collected();

        assertThat(new StdoutReader(size, 64 * 1024).readAll(endless, c)).isTrue();

        assertThat(c.seen).containsExactly("long:65536:" + size + ":999");
    }
}
