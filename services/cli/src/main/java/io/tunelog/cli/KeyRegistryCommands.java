package io.tunelog.cli;

import io.tunelog.kafka.AccessControl;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.KeyRegistryTopic;
import io.tunelog.kafka.Topics;
import io.tunelog.security.KeyEntry;
import io.tunelog.security.KeyRegistry;
import io.tunelog.security.SigningKeys;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import org.apache.kafka.clients.admin.Admin;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * The signing keys' registry ({@code tunelog.keys}, docs/SIGNING.md), kept by an administrator: register a writer's key,
 * revoke one, list them. Nothing signs with the registered keys yet; the registry is the first step of a signed log.
 */
final class KeyRegistryCommands {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(30);

    private KeyRegistryCommands() {}

    @Command(name = "register", mixinStandardHelpOptions = true,
            description = "Register a writer's Ed25519 key in " + Topics.KEYS + " (an administrator's task): a new pair written to --out, "
                    + "or the public key a writer made itself (`tunelog key new`) with --public-key.")
    static final class Register implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @ArgGroup(multiplicity = "1")
        Source source;

        static final class Source {
            @Option(names = "--out", paramLabel = "DIR", description = "Make a new pair in DIR (" + SigningKeys.PRIVATE_FILE + " mode 0600) and register it")
            Path out;

            @Option(names = "--public-key", paramLabel = "FILE", description = "Register this public key (" + SigningKeys.PUBLIC_FILE + "); its private key stays where it was made")
            Path publicKey;
        }

        @Option(names = "--role", required = true, description = "Whose records it signs: scheduler, suggestion, registry, worker or gateway")
        String role;

        @Option(names = "--user", required = true, description = "The Kafka user of the writer that holds it (principal User:<user>)")
        String user;

        @Option(names = "--worker-id", description = "A worker key: the worker id its reports carry. A gateway key: its leases' worker id prefix (default "
                + KeyEntry.GATEWAY_LEASE_PREFIX + ")")
        String workerId;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            AccessControl.Role parsedRole = KeyEntry.SIGNING_ROLES.stream().filter(r -> r.name().equalsIgnoreCase(role.strip())).findFirst()
                    .orElseThrow(() -> new Tunelog.UserError(Tunelog.BAD_INPUT,
                            "--role: one of scheduler, suggestion, registry, worker or gateway (the roles that write records), not " + role));
            KeyPair pair = source.out != null ? SigningKeys.generate() : null;
            PublicKey publicKey = pair != null ? pair.getPublic() : readPublic(source.publicKey);
            KeyEntry entry;
            try {
                entry = KeyEntry.register(publicKey, parsedRole, "User:" + user, workerId, Instant.now());
            } catch (IllegalArgumentException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage().replaceFirst("^workerId:", "--worker-id:"));
            }
            KafkaClients clients = kafka.requiredClients();
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, kafka.layout());
            }
            KeyRegistry registry = KeyRegistryTopic.read(clients, READ_TIMEOUT);
            if (registry.entry(entry.fingerprint()).isPresent()) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, entry.fingerprint() + " is registered already; a key is registered once");
            }
            String privateFile = "";
            if (pair != null) {
                try {
                    privateFile = "; private key " + SigningKeys.writePair(pair, source.out) + " (mode 0600)";
                } catch (SigningKeys.KeyFileException e) {
                    throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--out: " + e.getMessage());
                } catch (IOException e) {
                    throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--out: cannot write keys into " + source.out + ": " + e.getMessage());
                }
            }
            KeyRegistryTopic.write(clients, entry);
            command.commandLine().getOut().println("registered " + describe(entry) + privateFile);
            return 0;
        }

        private static PublicKey readPublic(Path file) {
            try {
                return SigningKeys.readPublic(file);
            } catch (SigningKeys.KeyFileException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--public-key: " + e.getMessage());
            }
        }
    }

    @Command(name = "revoke", mixinStandardHelpOptions = true,
            description = "Revoke a registered key: its signatures on log records written from now on fail the audit, and the gate refuses its reports.")
    static final class Revoke implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Option(names = "--fingerprint", required = true, description = "The key's fingerprint (SHA256:..., as `tunelog key list` prints it)")
        String fingerprint;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            KafkaClients clients = kafka.requiredClients();
            List<Long> offsets;
            try (Admin admin = clients.admin()) {
                Topics.ensure(admin, kafka.layout());
                offsets = KeyRegistryTopic.logEndOffsets(admin);
            }
            KeyRegistry registry = KeyRegistryTopic.read(clients, READ_TIMEOUT);
            KeyEntry entry = registry.entry(fingerprint).orElseThrow(() -> new Tunelog.UserError(Tunelog.BAD_INPUT,
                    "--fingerprint: no key " + fingerprint + " in " + Topics.KEYS + " (`tunelog key list` lists them)"));
            PrintWriter out = command.commandLine().getOut();
            if (entry.revoked()) {
                out.println(fingerprint + " was revoked already, at " + entry.revocation().at() + "; nothing changed");
                return 0;
            }
            KeyEntry revoked = entry.revoke(Instant.now(), offsets);
            KeyRegistryTopic.write(clients, revoked);
            out.println("revoked " + describe(revoked) + " from log offsets " + offsets);
            return 0;
        }
    }

    @Command(name = "list", mixinStandardHelpOptions = true, description = "List the registered keys, revoked ones too.")
    static final class ListKeys implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            KafkaClients clients = kafka.requiredClients();
            try (Admin admin = clients.admin()) {
                Topics.await(admin, List.of(Topics.KEYS), READ_TIMEOUT);
            } catch (IllegalStateException e) {
                throw new Tunelog.UserError(1, "no key registry: " + e.getMessage());
            }
            KeyRegistry registry = KeyRegistryTopic.read(clients, READ_TIMEOUT);
            PrintWriter out = command.commandLine().getOut();
            registry.entries().forEach(e -> out.println(describe(e)));
            registry.problems().forEach(p -> out.println("ignored: " + p));
            return 0;
        }
    }

    private static String describe(KeyEntry e) {
        return e.fingerprint() + " " + e.role().name().toLowerCase(java.util.Locale.ROOT) + " " + e.principal()
                + (e.workerId() != null ? " worker " + e.workerId() : "") + " since " + e.validFrom()
                + (e.revoked() ? " REVOKED at " + e.revocation().at() : "");
    }
}
