package io.tunelog.http;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;

/**
 * Who may call our HTTP servers (the gateway, the checkpoint server): bearer tokens, each with a scope, read from a
 * tokens file whose lines are {@code <scope> <sha256 hex of the token> [name]} ({@code #} starts a comment).
 *
 * <p>The file holds hashes, not tokens, so it can be read, copied and mounted without giving anyone access. A token
 * is 32 random bytes, so a plain SHA-256 suffices: there is nothing to guess, and a slow password hash would only
 * slow every request down.
 */
public final class Tokens {
    /** What {@code WWW-Authenticate} says on a 401. */
    public static final String CHALLENGE = "Bearer realm=\"tunelog\"";
    /** The header a token comes in, and the field an authentication error names. */
    public static final String HEADER = "Authorization";
    private static final String BEARER = "bearer ";
    private static final int TOKEN_BYTES = 32;

    /** What a token allows. Every scope reads; submitting and evaluating trials are separate, so neither implies the other. */
    public enum Scope {
        /** Every GET: the API, the event stream, checkpoint listings and archives. */
        READ,
        /** Submitting and cancelling experiments, and everything {@link #READ} allows. */
        SUBMIT,
        /**
         * Evaluating trials of ask-and-tell experiments as a worker would (taking a trial, reporting, checkpointing,
         * completing or failing it, under a lease), and everything {@link #READ} allows; not submitting or cancelling.
         */
        WORK;

        boolean covers(Scope needed) {
            return this == needed || needed == READ;
        }

        public String word() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The scope a word names, case-insensitively. */
        public static Scope of(String word) {
            for (Scope s : values()) {
                if (s.word().equalsIgnoreCase(word)) {
                    return s;
                }
            }
            throw new IllegalArgumentException("scope must be read, submit or work, not " + word);
        }
    }

    /** Whoever presented a known token: its scope, and its name in the file (empty when it has none). */
    public record Holder(Scope scope, String name) {}

    private record Entry(byte[] hash, Holder holder) {}

    private final List<Entry> entries;

    private Tokens(List<Entry> entries) {
        this.entries = List.copyOf(entries);
    }

    /** The tokens in a tokens file; a bad line, or a file without a token, is an error naming the file and line. */
    public static Tokens load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read tokens file " + file + ": " + e, e);
        }
        return parse(text, file.toString());
    }

    /** As {@link #load}, from the file's text; {@code source} names it in errors. */
    public static Tokens parse(String text, String source) {
        List<Entry> entries = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        for (int i = 0; i < lines.length; i++) {
            int hash = lines[i].indexOf('#');
            String line = (hash < 0 ? lines[i] : lines[i].substring(0, hash)).strip();
            if (line.isEmpty()) {
                continue;
            }
            String where = source + " line " + (i + 1) + ": ";
            String[] fields = line.split("\\s+");
            if (fields.length < 2 || fields.length > 3) {
                throw new IllegalArgumentException(where + "expected <scope> <sha256 hex of the token> [name], found "
                        + fields.length + " field(s)" + (fields.length == 1 ? " (a token itself does not belong in the file: "
                        + "tunelog token new prints the line that does)" : ""));
            }
            Scope scope;
            try {
                scope = Scope.of(fields[0]);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + e.getMessage(), e);
            }
            if (!fields[1].matches("[0-9a-fA-F]{64}")) {
                // Most likely the token itself was pasted: say so without repeating it.
                throw new IllegalArgumentException(where + "the second field must be the token's SHA-256 as 64 hex digits "
                        + "(tunelog token new prints the line), not a value of " + fields[1].length() + " characters");
            }
            byte[] digest = HexFormat.of().parseHex(fields[1].toLowerCase(Locale.ROOT));
            for (Entry e : entries) {
                if (MessageDigest.isEqual(e.hash(), digest)) {
                    throw new IllegalArgumentException(where + "the same token is listed twice");
                }
            }
            entries.add(new Entry(digest, new Holder(scope, fields.length == 3 ? fields[2] : "")));
        }
        if (entries.isEmpty()) {
            throw new IllegalArgumentException("tokens file " + source + " holds no token: add a line that "
                    + "tunelog token new prints");
        }
        return new Tokens(entries);
    }

    /** How many tokens the file gave. */
    public int size() {
        return entries.size();
    }

    /**
     * The holder of the token in an {@code Authorization} header, if it may do what needs {@code needed}; otherwise the
     * answer to give: 401 without a known token, 403 with a token whose scope falls short.
     */
    public Holder authorize(String authorization, Scope needed) {
        if (authorization == null || authorization.isBlank()) {
            throw new Problem(401, HEADER, "no token: send Authorization: Bearer <token>");
        }
        if (!authorization.regionMatches(true, 0, BEARER, 0, BEARER.length())) {
            throw new Problem(401, HEADER, "the Authorization header must be Bearer <token>");
        }
        byte[] presented = sha256(authorization.substring(BEARER.length()).strip());
        Holder found = null;
        // Every entry is compared, so the time taken does not tell how far down the file a match is.
        for (Entry e : entries) {
            if (MessageDigest.isEqual(e.hash(), presented)) {
                found = e.holder();
            }
        }
        if (found == null) {
            throw new Problem(401, HEADER, "unknown token");
        }
        if (!found.scope().covers(needed)) {
            throw new Problem(403, HEADER, "a " + found.scope().word() + " token cannot do this: it needs a "
                    + needed.word() + " token");
        }
        return found;
    }

    /** A new token: 32 bytes from SecureRandom, base64url without padding (43 characters, safe in a header or URL). */
    public static String newToken(SecureRandom random) {
        byte[] bytes = new byte[TOKEN_BYTES];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    /** The token's line in a tokens file; {@code name} may be empty, or one word. */
    public static String line(Scope scope, String token, String name) {
        if (!name.isEmpty() && !name.matches("\\S+") || name.contains("#")) {
            throw new IllegalArgumentException("a token's name is one word without '#', not \"" + name + "\"");
        }
        String line = scope.word() + " " + HexFormat.of().formatHex(sha256(token));
        return name.isEmpty() ? line : line + " " + name;
    }

    /** SHA-256 of the token's UTF-8 text, as {@code printf %s "$token" | sha256sum} computes it. */
    private static byte[] sha256(String token) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }
}
