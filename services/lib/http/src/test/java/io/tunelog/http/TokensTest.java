package io.tunelog.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.http.Tokens.Holder;
import io.tunelog.http.Tokens.Scope;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.Random;
import java.util.Set;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokensTest {
    static final SecureRandom RANDOM = new SecureRandom();
    static final String READ = Tokens.newToken(RANDOM);
    static final String SUBMIT = Tokens.newToken(RANDOM);
    static final Tokens TOKENS = Tokens.parse("""
            # who may call the gateway
            %s
            %s   # the operators
            """.formatted(Tokens.line(Scope.READ, READ, "dashboard"), Tokens.line(Scope.SUBMIT, SUBMIT, "")), "tokens");

    @Test
    void shouldMakeTokensOf32RandomBytesInBase64Url() {
        Set<String> seen = new HashSet<>();
        for (int i = 0; i < 1000; i++) {
            String token = Tokens.newToken(RANDOM);
            assertThat(token).hasSize(43).matches("[A-Za-z0-9_-]+");
            assertThat(Base64.getUrlDecoder().decode(token)).hasSize(32);
            seen.add(token);
        }
        assertThat(seen).hasSize(1000);
    }

    @Test
    void shouldWriteALineHoldingTheTokensSha256AndNotTheToken() throws Exception {
        String line = Tokens.line(Scope.SUBMIT, SUBMIT, "ops");

        String sha256 = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(SUBMIT.getBytes(StandardCharsets.UTF_8)));
        assertThat(line).isEqualTo("submit " + sha256 + " ops").doesNotContain(SUBMIT);
        assertThat(Tokens.line(Scope.READ, READ, "")).matches("read [0-9a-f]{64}");
    }

    @Test
    void shouldLetAReadTokenReadButNotSubmit() {
        assertThat(TOKENS.authorize("Bearer " + READ, Scope.READ)).isEqualTo(new Holder(Scope.READ, "dashboard"));
        assertProblem(() -> TOKENS.authorize("Bearer " + READ, Scope.SUBMIT), 403, "a read token cannot do this: it needs a submit token");
    }

    @Test
    void shouldLetASubmitTokenSubmitAndRead() {
        assertThat(TOKENS.authorize("Bearer " + SUBMIT, Scope.SUBMIT)).isEqualTo(new Holder(Scope.SUBMIT, ""));
        assertThat(TOKENS.authorize("bearer  " + SUBMIT, Scope.READ).scope()).as("the scheme is case-insensitive").isEqualTo(Scope.SUBMIT);
    }

    @Test
    void shouldLetAWorkTokenWorkAndReadButNotSubmitWhileASubmitTokenCannotWork() {
        String work = Tokens.newToken(RANDOM);
        Tokens tokens = Tokens.parse(Tokens.line(Scope.WORK, work, "lab") + "\n" + Tokens.line(Scope.SUBMIT, SUBMIT, "") + "\n"
                + Tokens.line(Scope.READ, READ, ""), "tokens");
        assertThat(tokens.authorize("Bearer " + work, Scope.WORK)).isEqualTo(new Holder(Scope.WORK, "lab"));
        assertThat(tokens.authorize("Bearer " + work, Scope.READ).name()).isEqualTo("lab");
        assertProblem(() -> tokens.authorize("Bearer " + work, Scope.SUBMIT), 403, "a work token cannot do this: it needs a submit token");
        assertProblem(() -> tokens.authorize("Bearer " + SUBMIT, Scope.WORK), 403, "a submit token cannot do this: it needs a work token");
        assertProblem(() -> tokens.authorize("Bearer " + READ, Scope.WORK), 403, "a read token cannot do this: it needs a work token");
        assertThat(Scope.of("WORK")).isEqualTo(Scope.WORK);
    }

    @Test
    void shouldAnswer401WithoutAKnownToken() {
        assertProblem(() -> TOKENS.authorize(null, Scope.READ), 401, "no token: send Authorization: Bearer <token>");
        assertProblem(() -> TOKENS.authorize(" ", Scope.READ), 401, "no token");
        assertProblem(() -> TOKENS.authorize("Basic " + READ, Scope.READ), 401, "must be Bearer <token>");
        assertProblem(() -> TOKENS.authorize("Bearer " + Tokens.newToken(RANDOM), Scope.READ), 401, "unknown token");
        assertProblem(() -> TOKENS.authorize("Bearer " + READ.substring(1), Scope.READ), 401, "unknown token");
        // The hash itself is no token: the file gives nobody access.
        String hash = Tokens.line(Scope.READ, READ, "").split(" ")[1];
        assertProblem(() -> TOKENS.authorize("Bearer " + hash, Scope.READ), 401, "unknown token");
    }

    @Test
    void shouldAcceptOnlyTheExactTokenAmongManyRandomOnes() {
        // A property over generated inputs, with a fixed seed so a failure reproduces.
        Random random = new Random(42);
        for (int i = 0; i < 200; i++) {
            byte[] bytes = new byte[32];
            random.nextBytes(bytes);
            String token = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
            Tokens one = Tokens.parse(Tokens.line(Scope.READ, token, "t" + i), "seed 42, case " + i);
            assertThat(one.authorize("Bearer " + token, Scope.READ).name()).isEqualTo("t" + i);
            char[] changed = token.toCharArray();
            int at = random.nextInt(changed.length);
            changed[at] = changed[at] == 'A' ? 'B' : 'A';
            assertProblem(() -> one.authorize("Bearer " + new String(changed), Scope.READ), 401, "unknown token");
        }
    }

    @Test
    void shouldRefuseABadTokensFileNamingTheLine() {
        String good = Tokens.line(Scope.READ, READ, "");
        assertBadFile(good + "\nwrite " + good.substring(5), "tokens line 2: scope must be read, submit or work, not write");
        assertBadFile("read", "tokens line 1: expected <scope> <sha256 hex of the token> [name], found 1 field(s)");
        assertBadFile(good + " a b", "tokens line 1: expected <scope>");
        assertBadFile("# none\nread " + READ, "tokens line 2: the second field must be the token's SHA-256 as 64 hex digits");
        assertBadFile(good + "\n" + good.replace("read", "submit"), "tokens line 2: the same token is listed twice");
        assertBadFile("# nobody yet\n\n", "tokens file tokens holds no token");
        assertThatThrownBy(() -> Tokens.parse("read " + READ, "tokens")).message().doesNotContain(READ);
    }

    @Test
    void shouldLoadAFileAndNameItWhenItCannotBeRead(@TempDir Path dir) throws Exception {
        Path file = Files.writeString(dir.resolve("tokens"), Tokens.line(Scope.SUBMIT, SUBMIT, "ci") + "\r\n");
        assertThat(Tokens.load(file).authorize("Bearer " + SUBMIT, Scope.SUBMIT).name()).isEqualTo("ci");
        assertThatThrownBy(() -> Tokens.load(dir.resolve("missing")))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("cannot read tokens file " + dir.resolve("missing"));
    }

    @Test
    void shouldRefuseANameThatWouldNotSurviveTheFile() {
        assertThatThrownBy(() -> Tokens.line(Scope.READ, READ, "two words")).hasMessageContaining("one word");
        assertThatThrownBy(() -> Tokens.line(Scope.READ, READ, "a#b")).hasMessageContaining("without '#'");
    }

    private static void assertBadFile(String text, String message) {
        assertThatThrownBy(() -> Tokens.parse(text, "tokens")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining(message);
    }

    private static void assertProblem(ThrowingCallable call, int status, String message) {
        assertThatThrownBy(call).isInstanceOfSatisfying(Problem.class, p -> {
            assertThat(p.status).isEqualTo(status);
            assertThat(p.field).isEqualTo("Authorization");
            assertThat(p.getMessage()).contains(message);
        });
    }
}
