package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.http.HttpSecurity;
import io.tunelog.http.Tokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** `gateway` and `services --registry-http-port` serve nothing open unless told so, and name the option at fault. */
class HttpSecurityOptionsTest {
    static final String TOKEN = Tokens.newToken(new SecureRandom());

    @TempDir
    Path dir;

    @Test
    void shouldRefuseToServeWithoutATokensFileUnlessToldNoAuth() {
        assertRefused(List.of("gateway", "-b", "127.0.0.1:1"),
                "the gateway needs --tokens-file (make tokens with `tunelog token new`), or --no-auth");
        assertRefused(List.of("services", "-b", "127.0.0.1:1", "--registry-http-port", "0"),
                "the checkpoint server (--registry-http-port) needs --tokens-file");
        assertRefused(List.of("gateway", "-b", "127.0.0.1:1", "--no-auth", "--tokens-file", "tokens"),
                "--tokens-file and --no-auth contradict each other");
        assertRefused(List.of("services", "-b", "127.0.0.1:1", "--tokens-file", "tokens"),
                "are for the checkpoint server: give --registry-http-port too");
    }

    @Test
    void shouldNameTheTokensFileAndLineAtFault() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), "# ops\nread " + TOKEN + " ops\n");

        assertRefused(List.of("gateway", "-b", "127.0.0.1:1", "--tokens-file", tokens.toString()),
                "--tokens-file: " + tokens + " line 2: the second field must be the token's SHA-256");
        assertRefused(List.of("gateway", "-b", "127.0.0.1:1", "--tokens-file", dir.resolve("none").toString()),
                "--tokens-file: cannot read tokens file " + dir.resolve("none"));
    }

    @Test
    void shouldLoadTheTokensAndOpenTheKeystoreNamedByTheOptions() throws Exception {
        Path tokens = Files.writeString(dir.resolve("tokens"), Tokens.line(Tokens.Scope.SUBMIT, TOKEN, "ops") + "\n");
        Path keystore = keystore();
        Path password = Files.writeString(dir.resolve("keystore.password"), "keystore-password\n");
        HttpSecurityOptions options = gatewayOptions("--tokens-file", tokens.toString(), "--tls-keystore", keystore.toString(),
                "--tls-keystore-password-file", password.toString());

        HttpSecurity security = options.security("the gateway");

        assertThat(security.authorize("Bearer " + TOKEN, Tokens.Scope.SUBMIT).name()).isEqualTo("ops");
        assertThat(security.tls().keystore()).isEqualTo(keystore.toAbsolutePath());
        assertThat(security.scheme()).isEqualTo("https");
        assertThat(gatewayOptions("--no-auth").security("the gateway").authenticates()).isFalse();
    }

    @Test
    void shouldTakeTheKeystorePasswordOnlyFromTheNamedFile() throws Exception {
        Path keystore = keystore();
        Path missing = dir.resolve("no-such-password");
        Path wrong = Files.writeString(dir.resolve("wrong.password"), "not-the-password\n");
        String[] tls = {"--no-auth", "--tls-keystore", keystore.toString(), "--tls-keystore-password-file"};

        assertThatThrownBy(() -> gatewayOptions(with(tls, missing.toString())).security("the gateway"))
                .hasMessageStartingWith("--tls-keystore-password-file: cannot read " + missing);
        assertThatThrownBy(() -> gatewayOptions(with(tls, wrong.toString())).security("the gateway"))
                .hasMessageStartingWith("--tls-keystore: cannot open PKCS12 keystore " + keystore.toAbsolutePath());
        assertThatThrownBy(() -> gatewayOptions("--no-auth", "--tls-keystore", keystore.toString()).security("the gateway"))
                .hasMessageContaining("--tls-keystore needs --tls-keystore-password-file");
        assertThatThrownBy(() -> gatewayOptions("--no-auth", "--tls-keystore-password-file", wrong.toString()).security("the gateway"))
                .hasMessageContaining("which is missing");
        // No option takes the password itself.
        assertThatThrownBy(() -> gatewayOptions("--no-auth", "--tls-keystore-password", "secret"))
                .isInstanceOf(CommandLine.UnmatchedArgumentException.class);
    }

    private static String[] with(String[] args, String last) {
        String[] all = java.util.Arrays.copyOf(args, args.length + 1);
        all[args.length] = last;
        return all;
    }

    private static HttpSecurityOptions gatewayOptions(String... args) {
        GatewayCommand command = new GatewayCommand();
        String[] all = new String[args.length + 2];
        all[0] = "-b";
        all[1] = "127.0.0.1:1";
        System.arraycopy(args, 0, all, 2, args.length);
        new CommandLine(command).parseArgs(all);
        return command.access;
    }

    private Path keystore() throws Exception {
        Path keystore = dir.resolve("gateway.p12");
        Process p = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", "gateway", "-keyalg", "RSA", "-dname", "CN=127.0.0.1", "-ext", "SAN=ip:127.0.0.1", "-storetype", "PKCS12",
                "-keystore", keystore.toString(), "-storepass", "keystore-password", "-validity", "2")
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        assertThat(p.waitFor(60, TimeUnit.SECONDS) && p.exitValue() == 0).as(out).isTrue();
        return keystore;
    }

    private static void assertRefused(List<String> args, String message) {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute(args.toArray(String[]::new));

        assertThat(exit).as(err.toString()).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains(message);
    }
}
