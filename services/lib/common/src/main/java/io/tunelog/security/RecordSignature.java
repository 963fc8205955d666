package io.tunelog.security;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.params.Ed25519PublicKeyParameters;
import org.bouncycastle.crypto.signers.Ed25519Signer;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PublicKeyFactory;

/**
 * The Ed25519 signature of one Kafka record (docs/SIGNING.md). It covers a length-prefixed message: a domain tag, the
 * topic, the record key, the SHA-256 of the value bytes, and every header named {@code tunelog.*} but {@value #SIG},
 * sorted by name, so the signer's fingerprint ({@value #SIGNER}) and the integrity headers are signed too. Sorting makes
 * the message the same whether the headers come from Kafka (in order) or from an archive (a map).
 *
 * <p>Bouncy Castle's Ed25519, not the JDK's: the same algorithm and keys, at a tenth of the cost per record.
 */
public final class RecordSignature {
    public static final String SIG = "tunelog.sig";
    public static final String SIGNER = "tunelog.signer";
    /**
     * On an event the gate admitted from a signed report (docs/SIGNING.md): the report's value bytes, and its signer and
     * signature as the worker sent them, so that the worker's own statement can be checked from the log.
     */
    public static final String REPORT = "tunelog.report";
    public static final String REPORT_SIGNER = "tunelog.report.signer";
    public static final String REPORT_SIG = "tunelog.report.sig";
    private static final String COVERED_PREFIX = "tunelog.";
    private static final byte[] DOMAIN = "tunelog.sig.v1".getBytes(StandardCharsets.US_ASCII);
    private static final ThreadLocal<MessageDigest> SHA256 = ThreadLocal.withInitial(RecordSignature::sha256);

    /** A record that cannot be checked as given: a covered header twice. */
    public static final class MalformedHeaders extends RuntimeException {
        public MalformedHeaders(String message) {
            super(message);
        }
    }

    /** Signs records with one key pair, adding {@value #SIGNER} and {@value #SIG}. Thread-safe. */
    public static final class Signer {
        private final Ed25519PrivateKeyParameters key;
        private final String fingerprint;
        private final byte[] fingerprintBytes;

        public Signer(KeyPair pair) {
            this.key = (Ed25519PrivateKeyParameters) parse(() -> PrivateKeyFactory.createKey(pair.getPrivate().getEncoded()));
            this.fingerprint = SigningKeys.fingerprint(pair.getPublic());
            this.fingerprintBytes = fingerprint.getBytes(StandardCharsets.UTF_8);
        }

        public String fingerprint() {
            return fingerprint;
        }

        /** Adds this signer's fingerprint and signature to {@code headers}, which must not hold either yet. */
        public void sign(String topic, String key, byte[] value, Headers headers) {
            if (headers.lastHeader(SIGNER) != null || headers.lastHeader(SIG) != null) {
                throw new MalformedHeaders("record already signed");
            }
            headers.add(SIGNER, fingerprintBytes);
            Ed25519Signer signer = new Ed25519Signer();
            signer.init(true, this.key);
            byte[] message = message(topic, key, value, covered(headers));
            signer.update(message, 0, message.length);
            headers.add(SIG, signer.generateSignature());
        }
    }

    private RecordSignature() {}

    /** The fingerprint a record names as its signer, if it names one. */
    public static Optional<String> signer(Headers headers) {
        Header h = headers.lastHeader(SIGNER);
        return h == null || h.value() == null ? Optional.empty() : Optional.of(new String(h.value(), StandardCharsets.UTF_8));
    }

    /** Checks signatures by one public key; parse the key once, check many records. Thread-safe. */
    public static final class Verifier {
        private final Ed25519PublicKeyParameters key;

        public Verifier(PublicKey key) {
            this.key = (Ed25519PublicKeyParameters) parse(() -> PublicKeyFactory.createKey(key.getEncoded()));
        }

        /**
         * Whether {@code headers} carry a signature by this key over this record; false when unsigned, or when a covered
         * header appears twice (which of the two was signed cannot be told).
         */
        public boolean verify(String topic, String recordKey, byte[] value, Headers headers) {
            Header sig = headers.lastHeader(SIG);
            if (sig == null || sig.value() == null) {
                return false;
            }
            try {
                return verify(topic, recordKey, value, covered(headers), sig.value());
            } catch (MalformedHeaders e) {
                return false;
            }
        }

        /** As {@link #verify(String, String, byte[], Headers)}, for headers read from an archive's map. */
        public boolean verify(String topic, String recordKey, byte[] value, Map<String, byte[]> headers) {
            byte[] sig = headers.get(SIG);
            if (sig == null) {
                return false;
            }
            TreeMap<String, byte[]> covered = new TreeMap<>();
            headers.forEach((name, v) -> {
                if (covers(name)) {
                    covered.put(name, v);
                }
            });
            return verify(topic, recordKey, value, covered, sig);
        }

        private boolean verify(String topic, String recordKey, byte[] value, TreeMap<String, byte[]> covered, byte[] sig) {
            Ed25519Signer verifier = new Ed25519Signer();
            verifier.init(false, key);
            byte[] message = message(topic, recordKey, value, covered);
            verifier.update(message, 0, message.length);
            return verifier.verifySignature(sig);
        }
    }

    private static boolean covers(String header) {
        return header.startsWith(COVERED_PREFIX) && !header.equals(SIG);
    }

    private static TreeMap<String, byte[]> covered(Headers headers) {
        TreeMap<String, byte[]> covered = new TreeMap<>();
        for (Header h : headers) {
            if (covers(h.key()) && covered.put(h.key(), h.value()) != null) {
                throw new MalformedHeaders("header " + h.key() + " appears twice");
            }
        }
        return covered;
    }

    private static byte[] message(String topic, String key, byte[] value, TreeMap<String, byte[]> covered) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(256);
        try (DataOutputStream out = new DataOutputStream(bytes)) {
            field(out, DOMAIN);
            field(out, topic.getBytes(StandardCharsets.UTF_8));
            field(out, key == null ? null : key.getBytes(StandardCharsets.UTF_8));
            field(out, value == null ? null : SHA256.get().digest(value));
            out.writeInt(covered.size());
            for (Map.Entry<String, byte[]> h : covered.entrySet()) {
                field(out, h.getKey().getBytes(StandardCharsets.UTF_8));
                field(out, h.getValue());
            }
        } catch (IOException e) {
            throw new UncheckedIOException("a byte array stream does not fail", e);
        }
        return bytes.toByteArray();
    }

    /** Length then bytes; -1 for null, so a missing key or value never reads as an empty one. */
    private static void field(DataOutputStream out, byte[] bytes) throws IOException {
        if (bytes == null) {
            out.writeInt(-1);
        } else {
            out.writeInt(bytes.length);
            out.write(bytes);
        }
    }

    private interface KeyParse {
        AsymmetricKeyParameter parse() throws IOException;
    }

    private static AsymmetricKeyParameter parse(KeyParse parse) {
        try {
            AsymmetricKeyParameter key = parse.parse();
            if (!(key instanceof Ed25519PrivateKeyParameters || key instanceof Ed25519PublicKeyParameters)) {
                throw new IllegalArgumentException("not an Ed25519 key: " + key.getClass().getSimpleName());
            }
            return key;
        } catch (IOException e) {
            throw new IllegalArgumentException("not an Ed25519 key: " + e.getMessage(), e);
        }
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }
}
