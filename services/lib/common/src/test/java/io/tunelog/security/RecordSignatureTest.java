package io.tunelog.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.util.HashMap;
import java.util.Map;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RecordSignatureTest {
    private static final String EVENTS = "tunelog.events";
    private static final byte[] VALUE = "an event's bytes".getBytes(StandardCharsets.UTF_8);

    private final KeyPair pair = SigningKeys.generate();
    private final RecordSignature.Signer signer = new RecordSignature.Signer(pair);
    private final RecordSignature.Verifier verifier = new RecordSignature.Verifier(pair.getPublic());

    private Headers signed() {
        Headers headers = new RecordHeaders();
        headers.add("tunelog.hash", new byte[] {1, 2, 3});
        headers.add("tunelog.basis-digest", new byte[] {4, 5});
        signer.sign(EVENTS, "exp-1", VALUE, headers);
        return headers;
    }

    @Test
    void shouldVerifyARecordItsKeySignedAndNameTheSigner() {
        Headers headers = signed();

        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, headers)).isTrue();
        assertThat(RecordSignature.signer(headers)).contains(SigningKeys.fingerprint(pair.getPublic()));
        assertThat(headers.lastHeader(RecordSignature.SIG).value()).hasSize(64);
        assertThat(new RecordSignature.Verifier(SigningKeys.generate().getPublic()).verify(EVENTS, "exp-1", VALUE, headers)).isFalse();
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, new RecordHeaders())).isFalse();
        assertThat(RecordSignature.signer(new RecordHeaders())).isEmpty();
    }

    @Test
    void shouldFailWhenTheValueKeyTopicOrACoveredHeaderChanges() {
        Headers headers = signed();
        byte[] edited = VALUE.clone();
        edited[0] ^= 1;

        assertThat(verifier.verify(EVENTS, "exp-1", edited, headers)).isFalse();
        assertThat(verifier.verify(EVENTS, "exp-2", VALUE, headers)).isFalse();
        assertThat(verifier.verify(EVENTS, null, VALUE, headers)).isFalse();
        // A worker's report signature does not pass for an event of the same bytes.
        assertThat(verifier.verify("tunelog.reports", "exp-1", VALUE, headers)).isFalse();
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, replaced(headers, "tunelog.hash", new byte[] {1, 2, 4}))).isFalse();
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, replaced(headers, RecordSignature.SIGNER, "SHA256:other".getBytes(StandardCharsets.UTF_8)))).isFalse();
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, copy(headers).add("tunelog.report", new byte[] {9}))).isFalse();
        // Headers outside tunelog.* are not covered: Kafka clients and tracing may add their own.
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, copy(headers).add("traceparent", new byte[] {9}))).isTrue();
    }

    @Test
    void shouldVerifyHeadersReadBackAsAnArchiveMapInAnyOrder() {
        Map<String, byte[]> map = new HashMap<>();
        for (Header h : signed()) {
            map.put(h.key(), h.value());
        }
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, map)).isTrue();
        map.put("tunelog.basis-digest", new byte[] {4, 6});
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, map)).isFalse();
        map.remove(RecordSignature.SIG);
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, map)).isFalse();
    }

    @Test
    void shouldRefuseACoveredHeaderTwiceAndASecondSignature() {
        Headers twice = signed();
        twice.add("tunelog.hash", new byte[] {7});
        assertThat(verifier.verify(EVENTS, "exp-1", VALUE, twice)).isFalse();

        Headers unsigned = new RecordHeaders().add("tunelog.hash", new byte[] {1}).add("tunelog.hash", new byte[] {2});
        assertThat(catchThrowable(() -> signer.sign(EVENTS, "exp-1", VALUE, unsigned))).hasMessage("header tunelog.hash appears twice");
        assertThat(catchThrowable(() -> signer.sign(EVENTS, "exp-1", VALUE, signed()))).hasMessage("record already signed");
    }

    @Test
    void shouldSignWithAPairReadFromItsKeyFile(@TempDir Path dir) throws Exception {
        KeyPair fromFile = SigningKeys.readPrivate(SigningKeys.writePair(SigningKeys.generate(), dir));
        Headers headers = new RecordHeaders();
        new RecordSignature.Signer(fromFile).sign("tunelog.reports", "exp-1", VALUE, headers);

        RecordSignature.Verifier fromPublicFile = new RecordSignature.Verifier(SigningKeys.readPublic(dir.resolve(SigningKeys.PUBLIC_FILE)));
        assertThat(fromPublicFile.verify("tunelog.reports", "exp-1", VALUE, headers)).isTrue();
        // Ed25519 is deterministic: the same key and record give the same signature.
        Headers again = new RecordHeaders();
        new RecordSignature.Signer(fromFile).sign("tunelog.reports", "exp-1", VALUE, again);
        assertThat(again.lastHeader(RecordSignature.SIG).value()).isEqualTo(headers.lastHeader(RecordSignature.SIG).value());
    }

    private static Headers copy(Headers headers) {
        Headers copy = new RecordHeaders();
        headers.forEach(copy::add);
        return copy;
    }

    private static Headers replaced(Headers headers, String name, byte[] value) {
        Headers copy = new RecordHeaders();
        for (Header h : headers) {
            copy.add(h.key(), h.key().equals(name) ? value : h.value());
        }
        return copy;
    }
}
