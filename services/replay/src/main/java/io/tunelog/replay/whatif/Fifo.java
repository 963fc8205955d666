package io.tunelog.replay.whatif;

/** First in, first out: never stops a trial; under it every trial runs as far as it was recorded. */
public final class Fifo implements StoppingPolicy {
    @Override
    public String name() {
        return "fifo";
    }

    @Override
    public boolean stopAfter(String trialId, long step, double score) {
        return false;
    }
}
