package io.tunelog.cli;

import ch.qos.logback.classic.Level;
import io.tunelog.kafka.broker.LocalBroker;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** A real standalone single-node KRaft broker from the project's own Kafka jars. */
@Command(name = "broker", mixinStandardHelpOptions = true, description = {"Run a standalone single-node Kafka (KRaft) broker until stopped.",
        "Its logs go to broker.log in the --data-dir (--verbose: here too)."})
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Log directory; reused if already formatted (default: ~/.tunelog/broker)")
    Path dataDir;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Option(names = "--sasl-ssl", paramLabel = "CERTS_DIR", description = "Serve SASL_SSL only, with SCRAM-SHA-512 users and "
            + "ACLs (nothing allowed without one), using broker.p12 and truststore.p12 from deploy/security/make-certs.sh")
    Path certsDir;

    @Option(names = "--store-password-file", description = "With --sasl-ssl: the stores' password (first line)")
    Path storePasswordFile;

    @Option(names = "--admin-password-file", description = "With --sasl-ssl: the password of the super user \"admin\", made when "
            + "the data directory is formatted")
    Path adminPasswordFile;

    @Mixin
    ConsoleLogs logs;

    @Option(names = "--override", paramLabel = "KEY=VALUE", description = "A Kafka broker setting that replaces the broker's own, "
            + "e.g. listeners=PLAINTEXT://0.0.0.0:9092 in a container (repeatable)")
    Map<String, String> overrides = new LinkedHashMap<>();

    @Override
    public Integer call() throws Exception {
        Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".tunelog", "broker");
        LocalBroker.Security security = null;
        if (certsDir != null) {
            if (storePasswordFile == null || adminPasswordFile == null) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--sasl-ssl needs --store-password-file and --admin-password-file");
            }
            security = new LocalBroker.Security(certsDir.resolve("broker.p12"), certsDir.resolve("truststore.p12"),
                    SecretFile.read(storePasswordFile, "--store-password-file"), "CN=tunelog-broker",
                    SecretFile.read(adminPasswordFile, "--admin-password-file"));
        }
        logs.toFile(dir.resolve("broker.log"), Level.INFO);
        LocalBroker.runForeground(dir, port, security, overrides);
        return 0;
    }
}
