package io.tunelog.cli;

import ch.qos.logback.classic.Level;
import io.tunelog.health.HealthServer;
import io.tunelog.http.HttpSecurity;
import io.tunelog.platform.Platform;
import io.tunelog.registry.http.CheckpointServer;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import io.tunelog.service.ServiceSigning;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs services against a cluster until the process is stopped. */
@Command(name = "services", mixinStandardHelpOptions = true, description = {"Run the Tunelog services until stopped.",
        "Kafka's logs go to services-<instance>.log in the first --storage directory (--verbose: here too)."})
final class ServicesCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    HealthOptions health;

    @Mixin
    ConsoleLogs logs;

    @Option(names = "--only", split = ",", description = "Services to run (default: all of scheduler, suggestion, registry)")
    List<String> only;

    @Option(names = "--instance", description = "Instance id, stable across restarts of the same instance (default: random)")
    String instance;

    @Option(names = "--registry-http-port", description = "Serve checkpoints over HTTP on this port, 0 for any free one, "
            + "printed (default: not served)")
    Integer registryHttpPort;

    @Option(names = "--registry-http-host", defaultValue = "127.0.0.1", description = "Address the checkpoint server "
            + "listens on; elsewhere than loopback, give --tls-keystore too, or tokens travel in clear (default: ${DEFAULT-VALUE})")
    String registryHttpHost;

    /** For the checkpoint server: only with --registry-http-port. */
    @Mixin
    HttpSecurityOptions registryHttpAccess;

    @Option(names = "--storage", description = "Checkpoint storage, as given to the workers: the registry removes "
            + "deleted checkpoints and the HTTP server serves them there and nowhere else; repeat for several "
            + "(default: ~/tunelog_results)")
    List<Path> storage;

    @Option(names = "--require-signed-reports", description = "The gate admits only worker reports signed by a key registered for "
            + "their worker id (`tunelog key register --role worker`), not revoked; the others are rejected, naming why. "
            + "See docs/SIGNING.md (default: off)")
    boolean requireSignedReports;

    @Option(names = "--key", paramLabel = "FILE", description = "Sign every record these services write to the log with this Ed25519 "
            + "private key (mode 0600; registered with `tunelog key register` as scheduler, suggestion or registry). See docs/SIGNING.md")
    Path key;

    @Override
    public Integer call() throws Exception {
        var names = only == null ? Platform.SERVICES : new LinkedHashSet<>(only);
        for (String name : names) {
            if (!Platform.SERVICES.contains(name)) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "unknown service " + name + "; known: " + Platform.SERVICES);
            }
        }
        List<Path> roots = storage != null ? storage : List.of(FollowOptions.defaultRoot());
        HttpSecurity security = checkHttpOptions(names);
        health.check();
        ServiceSigning signing = new ServiceSigning(signer(), requireSignedReports);
        CheckpointStores stores = checkpointStores(roots);
        var clients = kafka.requiredClients();
        String id = instance != null ? instance : UUID.randomUUID().toString().substring(0, 8);
        logs.toFile(roots.get(0).resolve("services-" + id + ".log"), Level.INFO);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Platform platform = new Platform(clients)) {
            platform.ensureTopics(kafka.layout()).startServices(names, id, stores, signing);
            // Served before the catch-up ends: live (and not ready) while it folds the log, so a long catch-up is not
            // taken for a hung process.
            List<HealthServer.Component> components = names.stream()
                    .map(platform::service)
                    .map(s -> new HealthServer.Component(s.service(), s::isAlive, s::isReady))
                    .toList();
            try (HealthServer probes = health.serve(components);
                 CheckpointServer http = registryHttpPort == null ? null
                    : CheckpointServer.start(clients, stores, registryHttpHost, registryHttpPort, security)) {
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    if (http != null) {
                        http.close();
                    }
                    if (probes != null) {
                        probes.close();
                    }
                    platform.close();
                    System.out.println("services " + names + " (instance " + id + ") stopped");
                    stopped.countDown();
                }));
                platform.awaitServicesReady(120_000);
                if (http != null) {
                    System.out.println("checkpoints served on " + security.scheme() + "://" + registryHttpHost + ":" + http.port());
                }
                System.out.println("services " + names + " (instance " + id + ") ready on " + kafka.bootstrapOrNull());
                stopped.await();
            }
        }
        return 0;
    }

    /** The checkpoint stores over the storage roots, made if missing; a root that cannot be used is bad input. */
    static CheckpointStores checkpointStores(List<Path> roots) {
        try {
            return Platform.checkpointStores(roots);
        } catch (IllegalArgumentException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
        }
    }

    /** Checked before anything starts, so a wrong option fails fast; the checkpoint server's security, if it is served. */
    private HttpSecurity checkHttpOptions(Set<String> names) {
        if (registryHttpPort == null) {
            if (registryHttpAccess.given()) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--tokens-file, --no-auth and --tls-keystore are for the "
                        + "checkpoint server: give --registry-http-port too");
            }
            return null;
        }
        if (!names.contains("registry")) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--registry-http-port serves the registry's checkpoints; "
                    + "it needs the registry among the services (--only " + String.join(",", names) + " leaves it out)");
        }
        if (registryHttpPort < 0 || registryHttpPort > 65_535) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--registry-http-port must be 0..65535, got " + registryHttpPort);
        }
        return registryHttpAccess.security("the checkpoint server (--registry-http-port)");
    }

    /** The signer of {@code --key}, or null; a key file others may read, or one that holds no pair, is refused. */
    private RecordSignature.Signer signer() {
        if (key == null) {
            return null;
        }
        try {
            return new RecordSignature.Signer(SigningKeys.readPrivate(key));
        } catch (SigningKeys.KeyFileException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--key: " + e.getMessage());
        }
    }
}
