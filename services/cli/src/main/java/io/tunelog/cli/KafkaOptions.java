package io.tunelog.cli;

import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import java.io.IOException;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import picocli.CommandLine.Option;

/** How to reach Kafka, shared by every command that talks to a cluster. */
final class KafkaOptions {
    @Option(names = {"-b", "--bootstrap-servers"}, description = "Kafka bootstrap servers (default: $KAFKA_BOOTSTRAP_SERVERS)")
    String bootstrapServers;

    @Option(names = "--client-config", description = "Properties file with extra Kafka client settings (security, for example)")
    Path clientConfig;

    @Option(names = "--partitions", defaultValue = "6", description = "Partitions for topics this command creates (default: ${DEFAULT-VALUE})")
    int partitions;

    @Option(names = "--replication-factor", defaultValue = "1", description = "Replicas for topics this command "
            + "creates; with 3 or more, writes need 2 in sync (min.insync.replicas=2), as a production cluster should "
            + "have (default: ${DEFAULT-VALUE})")
    short replicationFactor;

    /** The bootstrap servers given, or from the environment, or null when neither says. */
    String bootstrapOrNull() {
        if (bootstrapServers != null) {
            return bootstrapServers;
        }
        String env = System.getenv("KAFKA_BOOTSTRAP_SERVERS");
        return env == null || env.isBlank() ? null : env;
    }

    KafkaClients clients(String bootstrap) {
        Map<String, Object> extra = new HashMap<>();
        clientProperties().forEach((k, v) -> extra.put(k.toString(), v));
        return new KafkaClients(bootstrap, extra);
    }

    /**
     * The files that hold this command's Kafka credentials: the {@code --client-config} file and the key and trust
     * stores it names ({@code ssl.keystore.location}, any {@code *.location}); none without {@code --client-config}.
     */
    List<Path> credentialFiles() {
        if (clientConfig == null) {
            return List.of();
        }
        Properties props = clientProperties();
        List<Path> files = new ArrayList<>(List.of(clientConfig));
        props.stringPropertyNames().stream().filter(k -> k.endsWith(".location")).sorted()
                .map(k -> Path.of(props.getProperty(k).strip())).forEach(files::add);
        return files;
    }

    private Properties clientProperties() {
        Properties props = new Properties();
        if (clientConfig != null) {
            try (Reader r = Files.newBufferedReader(clientConfig)) {
                props.load(r);
            } catch (IOException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot read client config " + clientConfig + ": " + e.getMessage());
            }
        }
        return props;
    }

    KafkaClients requiredClients() {
        String bootstrap = bootstrapOrNull();
        if (bootstrap == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "no Kafka cluster: give --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS");
        }
        return clients(bootstrap);
    }

    Topics.Layout layout() {
        return new Topics.Layout(partitions, replicationFactor);
    }
}
