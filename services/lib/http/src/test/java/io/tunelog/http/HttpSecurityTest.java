package io.tunelog.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.http.testing.TestTls;
import io.tunelog.http.testing.TestTokens;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HttpSecurityTest {

    @Test
    void shouldWarnOfTokensInClearOnlyOffLoopback(@TempDir Path dir) throws Exception {
        HttpSecurity plain = TestTokens.create().security();

        assertThat(plain.warnings("gateway", "127.0.0.1")).isEmpty();
        assertThat(plain.warnings("gateway", "localhost")).isEmpty();
        assertThat(plain.warnings("gateway", "0.0.0.0")).singleElement().asString()
                .contains("gateway serves 0.0.0.0 without TLS: tokens travel in clear");
        assertThat(TestTokens.create().security(TestTls.tls(TestTls.keystore(dir))).warnings("gateway", "0.0.0.0")).isEmpty();
    }

    @Test
    void shouldWarnOfNoAuthenticationEverywhere() {
        HttpSecurity open = new HttpSecurity(null, null);

        assertThat(open.authorize(null, Tokens.Scope.SUBMIT)).isNull();
        assertThat(open.warnings("checkpoint server", "127.0.0.1")).singleElement().asString()
                .contains("checkpoint server has no authentication (--no-auth)");
    }

    @Test
    void shouldRefuseAKeystoreThatDoesNotOpen(@TempDir Path dir) throws Exception {
        Path keystore = TestTls.keystore(dir);

        assertThat(HttpSecurity.tls(keystore, TestTls.PASSWORD).toString()).doesNotContain(TestTls.PASSWORD);
        assertThatThrownBy(() -> HttpSecurity.tls(keystore, "wrong-password"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot open PKCS12 keystore " + keystore);
        assertThatThrownBy(() -> HttpSecurity.tls(dir.resolve("none.p12"), TestTls.PASSWORD))
                .hasMessageContaining("cannot open PKCS12 keystore " + dir.resolve("none.p12"));
        Path notAKeystore = Files.writeString(dir.resolve("cert.pem"), "-----BEGIN CERTIFICATE-----\n");
        assertThatThrownBy(() -> HttpSecurity.tls(notAKeystore, TestTls.PASSWORD)).hasMessageContaining("cannot open PKCS12 keystore");
    }
}
