package io.tunelog.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SigningKeysTest {
    @TempDir
    Path dir;

    @Test
    void shouldWriteAPairThatReadsBackAndSigns() throws Exception {
        KeyPair pair = SigningKeys.generate();
        Path privateFile = SigningKeys.writePair(pair, dir.resolve("keys"));

        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(privateFile))).isEqualTo("rw-------");
        assertThat(Files.readString(privateFile)).startsWith("-----BEGIN PRIVATE KEY-----\n").contains("-----BEGIN PUBLIC KEY-----");
        KeyPair read = SigningKeys.readPrivate(privateFile);
        assertThat(read.getPrivate().getEncoded()).isEqualTo(pair.getPrivate().getEncoded());
        assertThat(SigningKeys.readPublic(privateFile.resolveSibling(SigningKeys.PUBLIC_FILE))).isEqualTo(pair.getPublic());
        assertThat(SigningKeys.fingerprint(read.getPublic())).isEqualTo(SigningKeys.fingerprint(pair.getPublic())).startsWith("SHA256:");

        byte[] data = "head".getBytes(StandardCharsets.UTF_8);
        byte[] sig = SigningKeys.sign(read.getPrivate(), data);
        assertThat(SigningKeys.verify(pair.getPublic(), data, sig)).isTrue();
        assertThat(SigningKeys.verify(SigningKeys.generate().getPublic(), data, sig)).isFalse();
        data[0] ^= 1;
        assertThat(SigningKeys.verify(pair.getPublic(), data, sig)).isFalse();
    }

    @Test
    void shouldRefuseAPrivateKeyOthersCanReadAndNotReplaceAnExistingOne() throws Exception {
        Path privateFile = SigningKeys.writePair(SigningKeys.generate(), dir);
        Files.setPosixFilePermissions(privateFile, PosixFilePermissions.fromString("rw-r--r--"));

        assertThat(catchThrowable(() -> SigningKeys.readPrivate(privateFile))).isInstanceOf(SigningKeys.KeyFileException.class)
                .hasMessage(privateFile + " is open to others (rw-r--r--); a private key must be readable by its owner only: chmod 600 " + privateFile);
        assertThat(catchThrowable(() -> SigningKeys.writePair(SigningKeys.generate(), dir))).hasMessage(privateFile + " already exists; not replacing a key");
    }

    @Test
    void shouldNameTheFileThatHoldsNoKeyOrAnotherPairsPublicKey() throws Exception {
        Path missing = dir.resolve("none.pem");
        assertThat(catchThrowable(() -> SigningKeys.readPublic(missing))).hasMessage("no key file at " + missing);
        Path text = Files.writeString(dir.resolve("text.pem"), "hello");
        assertThat(catchThrowable(() -> SigningKeys.readPublic(text))).hasMessage(text + " holds no PEM PUBLIC KEY block");

        Path a = SigningKeys.writePair(SigningKeys.generate(), dir.resolve("a"));
        Path b = SigningKeys.writePair(SigningKeys.generate(), dir.resolve("b"));
        String privateOfA = Files.readString(a).substring(0, Files.readString(a).indexOf("-----BEGIN PUBLIC KEY-----"));
        Files.writeString(a, privateOfA + Files.readString(b.resolveSibling(SigningKeys.PUBLIC_FILE)));
        assertThat(catchThrowable(() -> SigningKeys.readPrivate(a))).hasMessage(a + ": its PUBLIC KEY does not belong to its PRIVATE KEY");
    }
}
