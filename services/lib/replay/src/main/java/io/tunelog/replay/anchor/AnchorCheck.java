package io.tunelog.replay.anchor;

import io.tunelog.avro.LogRecord;
import java.util.HexFormat;

/**
 * Whether today's log extends an anchor: fed the experiment's records in log order, it recomputes the chain over
 * those up to the anchored offset and compares it with the anchor's checkpoints and head.
 */
public final class AnchorCheck {
    private final Anchor.Statement anchor;
    private final AnchorChain chain;
    private final HexFormat hex = HexFormat.of();
    private long lastGood; // records known to match: the count at the last matching checkpoint
    private long segmentStartOffset = -1;
    private String firstDifference;

    public AnchorCheck(Anchor.Statement anchor) {
        this.anchor = anchor;
        this.chain = new AnchorChain(anchor.experimentId());
    }

    public void add(LogRecord r) {
        if (r.getOffset() > anchor.offset() || firstDifference != null) {
            return;
        }
        if (chain.records() % anchor.stride() == 0) {
            segmentStartOffset = r.getOffset();
        }
        chain.add(r);
        long n = chain.records();
        if (n % anchor.stride() == 0 && n / anchor.stride() <= anchor.checkpoints().size()) {
            String expected = anchor.checkpoints().get((int) (n / anchor.stride()) - 1);
            if (expected.equals(hex.formatHex(chain.head()))) {
                lastGood = n;
            } else {
                firstDifference = differs(n - anchor.stride() + 1, n, segmentStartOffset, r.getOffset());
            }
        }
    }

    /** Null when the records fed extend the anchor, else what does not, in a sentence. */
    public String problem() {
        String prefix = "the log no longer extends the anchor of " + anchor.time() + ": ";
        if (firstDifference != null) {
            return prefix + firstDifference;
        }
        if (chain.lastOffset() != anchor.offset()) {
            return prefix + "the anchored position (" + position() + ", the experiment's record " + anchor.records()
                    + ") is gone: " + (chain.records() == 0 ? "the log holds none of its records up to there"
                    : "the log's last record of the experiment up to there is at offset " + chain.lastOffset());
        }
        if (chain.records() == anchor.records() && hex.formatHex(chain.head()).equals(anchor.digest())) {
            return null;
        }
        long from = lastGood + 1;
        long to = Math.max(anchor.records(), chain.records());
        return prefix + (from == to ? "record " + from + " differs" : "a record among records " + from + ".." + to + " differs")
                + " (the log now holds " + chain.records() + " records up to offset " + anchor.offset() + ", the anchor "
                + anchor.records() + ")";
    }

    /** How many of today's records the check covered. */
    public long records() {
        return chain.records();
    }

    private static String differs(long from, long to, long fromOffset, long toOffset) {
        return from == to ? "record " + from + " differs (offset " + toOffset + ")"
                : "a record among records " + from + ".." + to + " differs (offsets " + fromOffset + ".." + toOffset + ")";
    }

    private String position() {
        return (anchor.partition() == null ? anchor.topic() : anchor.topic() + "-" + anchor.partition()) + " offset " + anchor.offset();
    }
}
