package io.tunelog.replay;

import io.tunelog.avro.LogRecord;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * Streams a log through two threads: one reads and decodes records (work that needs no order), the
 * caller's thread consumes them in log order (the fold). On two cores this doubles replay speed, and
 * nothing but a bounded queue of chunks is held in memory.
 */
final class Pipeline {
    private static final int CHUNK = 1024;
    private static final int CHUNKS_IN_FLIGHT = 8;

    private Pipeline() {}

    static <T> void run(LogSource source, Function<LogRecord, T> decode, Consumer<T> consume) {
        run(source, decode, consume, false);
    }

    /**
     * @param parallel decode each chunk on every core (the common fork-join pool) rather than on the reader thread alone:
     *                 for costly per-record work such as checking signatures, where the reader, not the fold, is the limit
     */
    static <T> void run(LogSource source, Function<LogRecord, T> decode, Consumer<T> consume, boolean parallel) {
        BlockingQueue<List<T>> queue = new ArrayBlockingQueue<>(CHUNKS_IN_FLIGHT);
        AtomicReference<RuntimeException> readFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            List<LogRecord> chunk = new ArrayList<>(CHUNK);
            try {
                source.forEach(record -> {
                    chunk.add(record);
                    if (chunk.size() == CHUNK) {
                        put(queue, decoded(chunk, decode, parallel));
                        chunk.clear();
                    }
                });
                if (!chunk.isEmpty()) {
                    put(queue, decoded(chunk, decode, parallel));
                }
            } catch (RuntimeException e) {
                readFailure.set(e);
            } finally {
                put(queue, List.of());
            }
        }, "log-reader-" + source.experimentId());
        reader.setDaemon(true);
        reader.start();
        try {
            // The reader ends with an empty chunk, whether it finished or failed.
            for (List<T> chunk = queue.take(); !chunk.isEmpty(); chunk = queue.take()) {
                chunk.forEach(consume);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading the log of " + source.experimentId(), e);
        }
        if (readFailure.get() != null) {
            throw readFailure.get();
        }
    }

    /** The chunk decoded, in its order. */
    private static <T> List<T> decoded(List<LogRecord> chunk, Function<LogRecord, T> decode, boolean parallel) {
        return parallel ? chunk.parallelStream().map(decode).toList() : chunk.stream().map(decode).toList();
    }

    private static <T> void put(BlockingQueue<List<T>> queue, List<T> chunk) {
        try {
            queue.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading a log", e);
        }
    }
}
