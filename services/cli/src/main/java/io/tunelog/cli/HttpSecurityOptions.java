package io.tunelog.cli;

import io.tunelog.http.HttpSecurity;
import io.tunelog.http.Tokens;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * How an HTTP server of ours (`gateway`, and the checkpoint server of `services`) lets clients in. Nothing is served
 * open by default: without a tokens file the operator has to say --no-auth.
 */
final class HttpSecurityOptions {
    @Option(names = "--tokens-file", description = "Who may call it: lines of <scope> <sha256 hex of the token> [name], "
            + "as `tunelog token new` prints them; read at start. Required unless --no-auth")
    Path tokensFile;

    @Option(names = "--no-auth", description = "Serve without authentication: anyone who can connect may use all of it. "
            + "Only where the network alone keeps everyone else out")
    boolean noAuth;

    @Option(names = "--tls-keystore", description = "Serve HTTPS with the key and certificate chain in this PKCS12 file")
    Path tlsKeystore;

    @Option(names = "--tls-keystore-password-file", description = "File whose first line is the keystore's password "
            + "(a password on the command line would show in ps)")
    Path tlsKeystorePasswordFile;

    /** Whether any of these options was given. */
    boolean given() {
        return tokensFile != null || noAuth || tlsKeystore != null || tlsKeystorePasswordFile != null;
    }

    /**
     * What the options say, checked: the tokens file read and the keystore opened, so a mistake is told before
     * anything starts. {@code server} names the server in errors.
     */
    HttpSecurity security(String server) {
        if (tokensFile != null && noAuth) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--tokens-file and --no-auth contradict each other: give one");
        }
        if (tokensFile == null && !noAuth) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, server + " needs --tokens-file (make tokens with `tunelog token new`), "
                    + "or --no-auth to let anyone who can connect use it");
        }
        Tokens tokens = null;
        if (tokensFile != null) {
            try {
                tokens = Tokens.load(tokensFile);
            } catch (IllegalArgumentException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--tokens-file: " + e.getMessage());
            }
        }
        return new HttpSecurity(tokens, tls());
    }

    private HttpSecurity.Tls tls() {
        if (tlsKeystore == null && tlsKeystorePasswordFile == null) {
            return null;
        }
        if (tlsKeystore == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--tls-keystore-password-file holds the password of --tls-keystore, "
                    + "which is missing");
        }
        if (tlsKeystorePasswordFile == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--tls-keystore needs --tls-keystore-password-file, the file that "
                    + "holds its password");
        }
        String password = SecretFile.read(tlsKeystorePasswordFile, "--tls-keystore-password-file");
        try {
            return HttpSecurity.tls(tlsKeystore, password);
        } catch (IllegalArgumentException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--tls-keystore: " + e.getMessage());
        }
    }
}
