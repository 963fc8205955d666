package io.tunelog.http.testing;

import io.tunelog.http.HttpSecurity;
import io.tunelog.http.Tokens;
import java.security.SecureRandom;

/**
 * A read token, a submit token and a work token, made as {@code tunelog token new} makes them and loaded from the lines it prints,
 * for tests that talk to our HTTP servers as a client would.
 */
public record TestTokens(String read, String submit, String work, Tokens tokens) {

    public static TestTokens create() {
        SecureRandom random = new SecureRandom();
        String read = Tokens.newToken(random);
        String submit = Tokens.newToken(random);
        String work = Tokens.newToken(random);
        String file = Tokens.line(Tokens.Scope.READ, read, "test-reader") + "\n"
                + Tokens.line(Tokens.Scope.SUBMIT, submit, "test-submitter") + "\n"
                + Tokens.line(Tokens.Scope.WORK, work, "test-evaluator") + "\n";
        return new TestTokens(read, submit, work, Tokens.parse(file, "test tokens"));
    }

    /** Plain HTTP with these tokens. */
    public HttpSecurity security() {
        return new HttpSecurity(tokens, null);
    }

    /** TLS with these tokens. */
    public HttpSecurity security(HttpSecurity.Tls tls) {
        return new HttpSecurity(tokens, tls);
    }

    /** The Authorization header's value for a token. */
    public static String bearer(String token) {
        return "Bearer " + token;
    }
}
