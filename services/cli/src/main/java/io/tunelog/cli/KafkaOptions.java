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
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.KafkaException;
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

    @Option(names = "--kafka-timeout", defaultValue = "60", description = "Seconds to wait for the cluster to answer "
            + "before giving up at start (default: ${DEFAULT-VALUE})")
    int kafkaTimeoutSeconds;

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
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot read client config " + clientConfig + ": " + CliErrors.reason(e));
            }
        }
        return props;
    }

    /** Clients of the cluster given, once it has answered: an unreachable one is one line, not a later stack trace. */
    KafkaClients requiredClients() {
        String bootstrap = bootstrapOrNull();
        if (bootstrap == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "no Kafka cluster: give --bootstrap-servers or set KAFKA_BOOTSTRAP_SERVERS");
        }
        if (kafkaTimeoutSeconds < 1) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--kafka-timeout must be at least 1 second, got " + kafkaTimeoutSeconds);
        }
        KafkaClients clients = clients(bootstrap);
        awaitAnswer(clients);
        return clients;
    }

    private void awaitAnswer(KafkaClients clients) {
        int timeoutMs = (int) Math.min(Integer.MAX_VALUE, kafkaTimeoutSeconds * 1000L);
        Map<String, Object> props = clients.common();
        props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, timeoutMs);
        props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, timeoutMs);
        try (Admin admin = Admin.create(props)) {
            admin.describeCluster(new DescribeClusterOptions().timeoutMs(timeoutMs)).clusterId().get();
        } catch (ExecutionException e) {
            throw new Tunelog.UserError(1, "cannot reach Kafka at " + clients.bootstrapServers() + " within "
                    + kafkaTimeoutSeconds + " s (--kafka-timeout): " + e.getCause().getMessage());
        } catch (KafkaException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot connect to Kafka at " + clients.bootstrapServers() + ": "
                    + CliErrors.describe(e));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Tunelog.UserError(1, "interrupted while waiting for Kafka at " + clients.bootstrapServers());
        }
    }

    Topics.Layout layout() {
        return new Topics.Layout(partitions, replicationFactor);
    }
}
