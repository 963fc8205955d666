package io.tunelog.replay.anchor;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.tunelog.security.SigningKeys;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Instant;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;

/**
 * A signed statement of an experiment's log head, kept by an auditor outside Kafka: which position it covers, the
 * {@link AnchorChain} head over every record up to there (and its checkpoints), when, and who signed it. The
 * signature is Ed25519 over the statement's compact JSON, as {@link #write} serializes it.
 */
public record Anchor(Statement statement, String signature) {
    public static final String FORMAT = "tunelog-anchor/1";
    private static final ObjectMapper JSON = JsonMapper.builder().build();

    /**
     * What is signed.
     *
     * @param partition the log partition, or null when the anchor was made from an archive
     * @param offset the offset of the experiment's last record covered
     * @param records how many of the experiment's records it covers
     * @param auditPassed whether the audit of those records passed when the anchor was made; a running experiment's
     *                    head can lack decisions still in flight, and is anchored all the same
     * @param stride checkpoint i is the chain's link after record (i + 1) * stride
     * @param signer the fingerprint of {@code publicKey}
     * @param publicKey the signer's X.509-encoded Ed25519 public key, base64
     */
    public record Statement(String format, String experimentId, String topic, Integer partition, long offset, long records,
                            boolean auditPassed, String digest, int stride, List<String> checkpoints, String time, String signer, String publicKey) {
        public Statement {
            checkpoints = List.copyOf(checkpoints);
        }

        byte[] signedBytes() {
            try {
                return JSON.writeValueAsBytes(this);
            } catch (JsonProcessingException e) {
                throw new IllegalStateException("a statement always serializes", e);
            }
        }

        PublicKey embeddedKey() {
            return SigningKeys.publicKey(Base64.getDecoder().decode(publicKey), "the anchor's publicKey");
        }
    }

    /** A file that is not a readable anchor; the message names it. */
    public static final class AnchorFileException extends RuntimeException {
        AnchorFileException(String message) {
            super(message);
        }
    }

    /** Signs the head of {@code chain} (which must hold at least one record). */
    public static Anchor sign(String experimentId, String topic, Integer partition, AnchorChain chain, boolean auditPassed, Instant time,
                              KeyPair key) {
        if (chain.records() == 0) {
            throw new IllegalArgumentException("experiment " + experimentId + " has no records to anchor");
        }
        HexFormat hex = HexFormat.of();
        Statement s = new Statement(FORMAT, experimentId, topic, partition, chain.lastOffset(), chain.records(), auditPassed,
                hex.formatHex(chain.head()),
                chain.stride(), chain.checkpoints().stream().map(hex::formatHex).toList(), time.toString(),
                SigningKeys.fingerprint(key.getPublic()), Base64.getEncoder().encodeToString(key.getPublic().getEncoded()));
        return new Anchor(s, Base64.getEncoder().encodeToString(SigningKeys.sign(key.getPrivate(), s.signedBytes())));
    }

    /**
     * Checks the signature: against {@code trusted} when given, else against the key the statement embeds (which
     * proves only that the file is unchanged since whoever holds that key signed it).
     *
     * @return null when it verifies, else what is wrong
     */
    public String signatureProblem(PublicKey trusted) {
        PublicKey embedded;
        try {
            embedded = statement.embeddedKey();
        } catch (RuntimeException e) {
            return "the anchor's publicKey is not an Ed25519 key";
        }
        if (!SigningKeys.fingerprint(embedded).equals(statement.signer())) {
            return "the anchor names signer " + statement.signer() + " but embeds the key " + SigningKeys.fingerprint(embedded);
        }
        PublicKey key = trusted == null ? embedded : trusted;
        if (trusted != null && !SigningKeys.fingerprint(trusted).equals(statement.signer())) {
            return "the anchor was signed by " + statement.signer() + ", not by the given public key " + SigningKeys.fingerprint(trusted);
        }
        byte[] sig;
        try {
            sig = Base64.getDecoder().decode(signature);
        } catch (IllegalArgumentException e) {
            return "the anchor's signature is not base64";
        }
        return SigningKeys.verify(key, statement.signedBytes(), sig) ? null
                : "the anchor's signature does not verify: the statement was changed after " + statement.signer() + " signed it";
    }

    /** Writes the anchor beside {@code file} and renames it into place, so no reader sees half of one. */
    public void write(Path file) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, JSON.writer().with(SerializationFeature.INDENT_OUTPUT).writeValueAsBytes(this));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    public static Anchor read(Path file) {
        Anchor anchor;
        try {
            anchor = JSON.readValue(file.toFile(), Anchor.class);
        } catch (NoSuchFileException | java.io.FileNotFoundException e) {
            throw new AnchorFileException("no anchor file at " + file);
        } catch (IOException e) {
            throw new AnchorFileException(file + " is not an anchor file: " + e.getMessage().lines().findFirst().orElse(""));
        }
        if (anchor == null || anchor.statement() == null || anchor.signature() == null || !FORMAT.equals(anchor.statement().format())) {
            throw new AnchorFileException(file + " is not an anchor file: expected a statement of format " + FORMAT + " and a signature");
        }
        return anchor;
    }
}
