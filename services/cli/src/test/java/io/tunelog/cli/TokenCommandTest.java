package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.http.Tokens;
import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;

class TokenCommandTest {

    @Test
    void shouldPrintANewTokenOnceAndTheLineThatLetsItIn() {
        StringWriter out = new StringWriter();
        int exit = Tunelog.commandLine().setOut(new PrintWriter(out)).execute("token", "new", "--scope", "submit", "--name", "ci");

        assertThat(exit).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines).hasSize(4);
        String token = lines[1];
        assertThat(token).matches("[A-Za-z0-9_-]{43}");
        assertThat(lines[3]).matches("submit [0-9a-f]{64} ci").doesNotContain(token);
        // Pasted whole, all but the token is a valid tokens file; the token's own line is refused in one.
        String withoutToken = lines[0] + "\n" + lines[2] + "\n" + lines[3] + "\n";
        Tokens tokens = Tokens.parse(withoutToken, "pasted");
        assertThat(tokens.authorize("Bearer " + token, Tokens.Scope.SUBMIT).name()).isEqualTo("ci");
        assertThat(tokens.authorize("Bearer " + token, Tokens.Scope.READ).name()).isEqualTo("ci");
    }

    @Test
    void shouldMakeAWorkTokenThatMayWorkAndReadButNotSubmit() {
        StringWriter out = new StringWriter();
        int exit = Tunelog.commandLine().setOut(new PrintWriter(out)).execute("token", "new", "--scope", "work", "--name", "lab");

        assertThat(exit).isZero();
        String[] lines = out.toString().split("\n");
        assertThat(lines[3]).matches("work [0-9a-f]{64} lab");
        Tokens tokens = Tokens.parse(lines[3], "printed");
        assertThat(tokens.authorize("Bearer " + lines[1], Tokens.Scope.WORK).name()).isEqualTo("lab");
        assertThat(tokens.authorize("Bearer " + lines[1], Tokens.Scope.READ).name()).isEqualTo("lab");
        assertThatThrownBy(() -> tokens.authorize("Bearer " + lines[1], Tokens.Scope.SUBMIT)).hasMessageContaining("needs a submit token");
    }

    @Test
    void shouldMakeADifferentTokenEachTime() {
        assertThat(newToken("read")).isNotEqualTo(newToken("read"));
    }

    @Test
    void shouldRefuseAnUnknownScopeOrABadNameNamingTheOption() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("token", "new", "--scope", "admin");
        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--scope must be read, submit or work, not admin");

        err = new StringWriter();
        exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("token", "new", "--scope", "read", "--name", "two words");
        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--name: a token's name is one word");
    }

    private static String newToken(String scope) {
        StringWriter out = new StringWriter();
        Tunelog.commandLine().setOut(new PrintWriter(out)).execute("token", "new", "--scope", scope);
        return out.toString().split("\n")[1];
    }
}
