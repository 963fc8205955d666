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
        BlockingQueue<List<T>> queue = new ArrayBlockingQueue<>(CHUNKS_IN_FLIGHT);
        AtomicReference<RuntimeException> readFailure = new AtomicReference<>();
        Thread reader = new Thread(() -> {
            List<T> chunk = new ArrayList<>(CHUNK);
            try {
                source.forEach(record -> {
                    chunk.add(decode.apply(record));
                    if (chunk.size() == CHUNK) {
                        put(queue, new ArrayList<>(chunk));
                        chunk.clear();
                    }
                });
                if (!chunk.isEmpty()) {
                    put(queue, chunk);
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

    private static <T> void put(BlockingQueue<List<T>> queue, List<T> chunk) {
        try {
            queue.put(chunk);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while reading a log", e);
        }
    }
}
