package io.tunelog.replay.anchor;

import io.tunelog.avro.LogRecord;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;

/**
 * A hash chain over one experiment's records in log order: each link is SHA-256 of the previous link, the record's
 * offset and timestamp, and SHA-256 of its value bytes as read (never the hash header, which a forger recomputes).
 * Changing, inserting, removing or moving any record changes every link from there on.
 *
 * <p>Besides the head it keeps at most {@value #MAX_CHECKPOINTS} intermediate links, evenly spaced, so that a
 * verifier can say which record, or which short run of records, no longer matches.
 */
public final class AnchorChain {
    public static final int MAX_CHECKPOINTS = 256;
    private static final String SEED = "tunelog.anchor.v1\0";

    private final MessageDigest sha = sha256();
    private final ByteBuffer position = ByteBuffer.allocate(2 * Long.BYTES);
    private byte[] link;
    private long records;
    private long lastOffset = -1;
    private long lastTimestamp;
    private int stride = 1;
    private final List<byte[]> checkpoints = new ArrayList<>();

    public AnchorChain(String experimentId) {
        link = sha.digest((SEED + experimentId).getBytes(StandardCharsets.UTF_8));
    }

    public void add(LogRecord r) {
        link = next(r);
        records++;
        lastOffset = r.getOffset();
        lastTimestamp = r.getTimestamp().toEpochMilli();
        if (records % stride == 0) {
            checkpoints.add(link);
            if (checkpoints.size() > MAX_CHECKPOINTS) {
                // Keep every other one: those at multiples of the doubled stride.
                List<byte[]> kept = new ArrayList<>(checkpoints.size() / 2);
                for (int i = 1; i < checkpoints.size(); i += 2) {
                    kept.add(checkpoints.get(i));
                }
                checkpoints.clear();
                checkpoints.addAll(kept);
                stride *= 2;
            }
        }
    }

    /** The link after {@code r}, without adding it. */
    byte[] next(LogRecord r) {
        ByteBuffer value = r.getValue().duplicate();
        sha.update(value);
        byte[] valueHash = sha.digest();
        position.clear();
        position.putLong(r.getOffset()).putLong(r.getTimestamp().toEpochMilli());
        sha.update(link);
        sha.update(position.array());
        return sha.digest(valueHash);
    }

    /** The head: the link after the last record added. */
    public byte[] head() {
        return link.clone();
    }

    public long records() {
        return records;
    }

    /** The offset of the last record added, -1 before any. */
    public long lastOffset() {
        return lastOffset;
    }

    public long lastTimestamp() {
        return lastTimestamp;
    }

    /** Checkpoint {@code i} is the link after record {@code (i + 1) * stride}, counted from 1. */
    public int stride() {
        return stride;
    }

    public List<byte[]> checkpoints() {
        return List.copyOf(checkpoints);
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
