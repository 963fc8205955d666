package io.tunelog.security;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Ed25519 signing keys in PEM files, with the JDK's own provider. A key pair is two files: the private one
 * ({@value #PRIVATE_FILE}, mode 0600) holds the PKCS#8 private key and, after it, the X.509 public key, since the JDK
 * cannot derive an Ed25519 public key from a private one; the public one ({@value #PUBLIC_FILE}) holds the public key
 * alone. A private key file that others may read or write is refused: keys come from files, never command lines.
 */
public final class SigningKeys {
    public static final String PRIVATE_FILE = "signing-key.pem";
    public static final String PUBLIC_FILE = "signing-key.pub.pem";
    private static final String ALGORITHM = "Ed25519";
    private static final Pattern PEM = Pattern.compile("-----BEGIN ([A-Z ]+)-----([A-Za-z0-9+/=\\s]*?)-----END \\1-----");
    private static final int MAX_KEY_FILE_BYTES = 64 * 1024;
    private static final Set<PosixFilePermission> OWNER_ONLY = EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE);

    /** A key file that cannot be used: missing, unreadable, not a key, or open to others. The message names the file. */
    public static final class KeyFileException extends RuntimeException {
        public KeyFileException(String message) {
            super(message);
        }
    }

    private SigningKeys() {}

    public static KeyPair generate() {
        try {
            return KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK since 15 has Ed25519", e);
        }
    }

    /** Writes a new pair into {@code dir} and returns the private key's path; refuses to replace an existing one. */
    public static Path writePair(KeyPair pair, Path dir) throws IOException {
        Files.createDirectories(dir);
        Path privateFile = dir.resolve(PRIVATE_FILE);
        Path publicFile = dir.resolve(PUBLIC_FILE);
        for (Path f : new Path[] {privateFile, publicFile}) {
            if (Files.exists(f)) {
                throw new KeyFileException(f + " already exists; not replacing a key");
            }
        }
        String publicPem = pem("PUBLIC KEY", pair.getPublic().getEncoded());
        // Created owner-only before any byte is written, so the key is never readable by others.
        try {
            Files.createFile(privateFile, PosixFilePermissions.asFileAttribute(OWNER_ONLY));
        } catch (UnsupportedOperationException e) {
            Files.createFile(privateFile);
        } catch (FileAlreadyExistsException e) {
            throw new KeyFileException(privateFile + " already exists; not replacing a key");
        }
        Files.writeString(privateFile, pem("PRIVATE KEY", pair.getPrivate().getEncoded()) + publicPem);
        Files.writeString(publicFile, publicPem);
        return privateFile;
    }

    /** The pair in a private key file written by {@link #writePair}; refused when group or others have any access to it. */
    public static KeyPair readPrivate(Path file) {
        refuseOpenPermissions(file);
        String text = read(file);
        byte[] privateDer = block(text, "PRIVATE KEY", file);
        byte[] publicDer = block(text, "PUBLIC KEY", file);
        try {
            KeyFactory factory = KeyFactory.getInstance(ALGORITHM);
            KeyPair pair = new KeyPair(factory.generatePublic(new X509EncodedKeySpec(publicDer)),
                    factory.generatePrivate(new PKCS8EncodedKeySpec(privateDer)));
            // A public key pasted from another pair would sign statements that name the wrong signer.
            byte[] probe = "tunelog key check".getBytes(StandardCharsets.UTF_8);
            if (!verify(pair.getPublic(), probe, sign(pair.getPrivate(), probe))) {
                throw new KeyFileException(file + ": its PUBLIC KEY does not belong to its PRIVATE KEY");
            }
            return pair;
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyFileException(file + " does not hold an Ed25519 key pair: " + e.getMessage());
        }
    }

    public static PublicKey readPublic(Path file) {
        return publicKey(block(read(file), "PUBLIC KEY", file), file.toString());
    }

    /** A public key from its X.509 encoding; {@code origin} names where it came from in the error. */
    public static PublicKey publicKey(byte[] x509, String origin) {
        try {
            return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(x509));
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            throw new KeyFileException(origin + " does not hold an Ed25519 public key: " + e.getMessage());
        }
    }

    /** {@code SHA256:} and the unpadded base64 of the SHA-256 of the key's X.509 encoding, as ssh prints fingerprints. */
    public static String fingerprint(PublicKey key) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256").digest(key.getEncoded());
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(digest);
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    public static byte[] sign(PrivateKey key, byte[] data) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initSign(key);
            s.update(data);
            return s.sign();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("cannot sign with an Ed25519 key: " + e.getMessage(), e);
        }
    }

    public static boolean verify(PublicKey key, byte[] data, byte[] signature) {
        try {
            Signature s = Signature.getInstance(ALGORITHM);
            s.initVerify(key);
            s.update(data);
            return s.verify(signature);
        } catch (InvalidKeyException | SignatureException e) {
            return false;
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("every JDK since 15 has Ed25519", e);
        }
    }

    private static void refuseOpenPermissions(Path file) {
        PosixFileAttributeView posix = Files.getFileAttributeView(file, PosixFileAttributeView.class);
        if (posix == null) {
            return; // no POSIX permissions on this file system: nothing to check
        }
        try {
            Set<PosixFilePermission> perms = posix.readAttributes().permissions();
            if (!OWNER_ONLY.containsAll(perms)) {
                throw new KeyFileException(file + " is open to others (" + PosixFilePermissions.toString(perms)
                        + "); a private key must be readable by its owner only: chmod 600 " + file);
            }
        } catch (NoSuchFileException e) {
            throw new KeyFileException("no key file at " + file);
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + file + ": " + e.getMessage());
        }
    }

    private static String read(Path file) {
        try {
            if (Files.size(file) > MAX_KEY_FILE_BYTES) {
                throw new KeyFileException(file + " is not a key file: " + Files.size(file) + " bytes, more than a PEM key pair's");
            }
            // Latin-1 decodes any bytes, so a file that is not PEM is named as such, not as an encoding error.
            return new String(Files.readAllBytes(file), StandardCharsets.ISO_8859_1);
        } catch (NoSuchFileException e) {
            throw new KeyFileException("no key file at " + file);
        } catch (IOException e) {
            throw new KeyFileException("cannot read key file " + file + ": " + e.getMessage());
        }
    }

    private static byte[] block(String text, String type, Path file) {
        Matcher m = PEM.matcher(text);
        while (m.find()) {
            if (m.group(1).equals(type)) {
                try {
                    return Base64.getMimeDecoder().decode(m.group(2));
                } catch (IllegalArgumentException e) {
                    throw new KeyFileException(file + ": its " + type + " block is not base64");
                }
            }
        }
        throw new KeyFileException(file + " holds no PEM " + type + " block");
    }

    private static String pem(String type, byte[] der) {
        String body = Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII)).encodeToString(der);
        return "-----BEGIN " + type + "-----\n" + body + "\n-----END " + type + "-----\n";
    }
}
