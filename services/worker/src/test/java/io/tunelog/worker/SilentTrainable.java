package io.tunelog.worker;

import io.tunelog.trial.Trainable;
import io.tunelog.trial.TrialContext;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicReference;

/** A JVM trainable that never reports: it waits a minute, and records when it was interrupted. */
public final class SilentTrainable implements Trainable {
    static final AtomicReference<Thread> THREAD = new AtomicReference<>();
    static final CountDownLatch INTERRUPTED = new CountDownLatch(1);

    @Override
    public void train(TrialContext context) throws Exception {
        THREAD.set(Thread.currentThread());
        try {
            Thread.sleep(60_000);
        } catch (InterruptedException e) {
            INTERRUPTED.countDown();
            throw e;
        }
    }
}
