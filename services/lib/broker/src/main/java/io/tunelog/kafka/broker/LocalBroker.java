package io.tunelog.kafka.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.utils.Time;

/**
 * A real single-node Kafka (KRaft, combined broker and controller) inside this JVM, made from Kafka's
 * own classes: storage is formatted by {@code kafka-storage format}'s code and the server is the
 * {@code KafkaRaftServer} that {@code kafka-server-start} runs. A formatted data directory is reused,
 * so a restarted broker keeps its log. The directory's {@code server.properties} is a plain Kafka config.
 *
 * <p>Share groups need no setting: since Kafka 4.2, formatting at the latest production metadata version
 * (the default) turns the {@code share.version} feature on.
 */
public final class LocalBroker implements AutoCloseable {
    private static final String HOST = "127.0.0.1";
    private static final Pattern PORTS = Pattern.compile("(?:PLAINTEXT|SASL_SSL)://[^:]+:(\\d+),CONTROLLER://[^:]+:(\\d+)");

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final String bootstrapServers;
    /** How an administrator connects: plaintext, or as the admin user over SASL_SSL. */
    private final Map<String, Object> adminConfig;

    private LocalBroker(KafkaRaftServer server, Path dataDir, String bootstrapServers, Security security) {
        this.server = server;
        this.dataDir = dataDir;
        this.bootstrapServers = bootstrapServers;
        this.adminConfig = security == null ? Map.of() : security.clientConfig(Security.ADMIN, security.adminPassword());
    }

    /**
     * Starts a broker on 127.0.0.1 and returns once it answers.
     *
     * @param port the client port, or 0 for a free one (a restarted broker keeps its old ports if they are free)
     */
    public static LocalBroker start(Path dataDir, int port) {
        return start(dataDir, port, null);
    }

    /**
     * A broker whose one client listener is SASL_SSL, with SCRAM-SHA-512 users and Kafka's standard authorizer:
     * nothing is allowed without an ACL, except to the admin user (a super user, made when the storage is
     * formatted) and to the broker itself. The controller listener takes only TLS connections that present a
     * certificate its trust store trusts (the broker's own, whose subject is a super user).
     *
     * @param keyStore PKCS12 with the broker's key and certificate (for 127.0.0.1 and localhost)
     * @param trustStore PKCS12 with the certificate authority that signed it
     * @param brokerPrincipal the broker certificate's subject as Kafka names it, e.g. {@code CN=tunelog-broker}
     */
    public record Security(Path keyStore, Path trustStore, String storePassword, String brokerPrincipal, String adminPassword) {
        public static final String ADMIN = "admin";
        public static final String MECHANISM = "SCRAM-SHA-512";

        /** Client settings for {@code user} over SASL_SSL, trusting the broker's authority. */
        public Map<String, Object> clientConfig(String user, String password) {
            return Map.of(
                    "security.protocol", "SASL_SSL",
                    "sasl.mechanism", MECHANISM,
                    "sasl.jaas.config", jaas(user, password),
                    "ssl.truststore.location", trustStore.toAbsolutePath().toString(),
                    "ssl.truststore.type", "PKCS12",
                    "ssl.truststore.password", storePassword);
        }

        static String jaas(String user, String password) {
            return "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"" + user
                    + "\" password=\"" + password + "\";";
        }
    }

    /** As {@link #start(Path, int)}; {@code security} null for a plaintext broker without authorization. */
    public static LocalBroker start(Path dataDir, int port, Security security) {
        return start(dataDir, port, security, Map.of());
    }

    /**
     * As {@link #start(Path, int, Security)}, with Kafka settings that replace the broker's own (listeners on other
     * interfaces, say, as a container needs). It is ready once its inter-broker listener's advertised address answers.
     */
    public static LocalBroker start(Path dataDir, int port, Security security, Map<String, String> overrides) {
        Path dir = dataDir.toAbsolutePath();
        Path propsFile = dir.resolve("server.properties");
        boolean formatted = Files.exists(dir.resolve("log").resolve("meta.properties"));
        try {
            Files.createDirectories(dir);
            int[] ports = formatted ? previousPorts(propsFile) : new int[] {0, 0};
            int clientPort = port != 0 ? port : free(ports[0]);
            // The static quorum (controller.quorum.voters) is not stored in the log, so this port may change.
            int controllerPort = free(ports[1]);
            Properties config = config(dir, clientPort, controllerPort);
            if (security != null) {
                secure(config, security);
            }
            config.putAll(overrides);
            store(config, propsFile);
            if (!formatted) {
                format(propsFile, security);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(load(propsFile), false), Time.SYSTEM);
            LocalBroker broker = new LocalBroker(server, dir, interBrokerAddress(config), security);
            try {
                server.startup();
                broker.awaitReady(Duration.ofSeconds(60));
            } catch (RuntimeException e) {
                broker.close();
                throw e;
            }
            return broker;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start a broker in " + dir, e);
        }
    }

    /** {@code tunelog broker}: runs a broker until the JVM is asked to stop. */
    public static void runForeground(Path dataDir, int port, Security security, Map<String, String> overrides)
            throws InterruptedException {
        LocalBroker broker = start(dataDir, port, security, overrides);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            broker.close();
            stopped.countDown();
        }, "tunelog-broker-shutdown"));
        System.out.println("broker ready at " + broker.bootstrapServers() + " (data in " + broker.dataDir() + ")");
        stopped.await();
    }

    public String bootstrapServers() {
        return bootstrapServers;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** Stops the broker cleanly and waits for it, so the directory can be reopened at once. */
    @Override
    public void close() {
        server.shutdown();
        server.awaitShutdown();
    }

    private static Properties config(Path dir, int port, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@" + HOST + ":" + controllerPort);
        p.put("listeners", "PLAINTEXT://" + HOST + ":" + port + ",CONTROLLER://" + HOST + ":" + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://" + HOST + ":" + port);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dir.resolve("log").toString());
        p.put("num.partitions", "1");
        // One node: every internal topic must fit on it. Fewer partitions also start faster.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "6");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "6");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("share.coordinator.state.topic.num.partitions", "6");
        p.put("group.initial.rebalance.delay.ms", "0");
        // A joining share consumer gets its partitions on its next heartbeat: 1 s, not the 5 s default.
        p.put("group.share.min.heartbeat.interval.ms", "1000");
        p.put("group.share.heartbeat.interval.ms", "1000");
        return p;
    }

    private static void secure(Properties p, Security s) {
        String listeners = p.getProperty("listeners").replace("PLAINTEXT://", "SASL_SSL://");
        p.put("listeners", listeners);
        p.put("advertised.listeners", p.getProperty("advertised.listeners").replace("PLAINTEXT://", "SASL_SSL://"));
        p.put("inter.broker.listener.name", "SASL_SSL");
        p.put("listener.security.protocol.map", "SASL_SSL:SASL_SSL,CONTROLLER:SSL");
        p.put("sasl.enabled.mechanisms", Security.MECHANISM);
        p.put("sasl.mechanism.inter.broker.protocol", Security.MECHANISM);
        p.put("listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config", Security.jaas(Security.ADMIN, s.adminPassword()));
        p.put("listener.name.controller.ssl.client.auth", "required");
        p.put("ssl.keystore.location", s.keyStore().toAbsolutePath().toString());
        p.put("ssl.keystore.type", "PKCS12");
        p.put("ssl.keystore.password", s.storePassword());
        p.put("ssl.key.password", s.storePassword());
        p.put("ssl.truststore.location", s.trustStore().toAbsolutePath().toString());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.password", s.storePassword());
        p.put("authorizer.class.name", "org.apache.kafka.metadata.authorizer.StandardAuthorizer");
        p.put("super.users", "User:" + Security.ADMIN + ";User:" + s.brokerPrincipal());
        p.put("allow.everyone.if.no.acl.found", "false");
    }

    private static void format(Path propsFile, Security security) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        List<String> args = new ArrayList<>(List.of("format", "--cluster-id", Uuid.randomUuid().toString(), "--config", propsFile.toString()));
        if (security != null) {
            // SCRAM users live in the cluster's metadata: the first one must be there before the broker starts.
            args.addAll(List.of("--add-scram", Security.MECHANISM + "=[name=" + Security.ADMIN + ",password=" + security.adminPassword() + "]"));
        }
        int code = StorageTool.execute(args.toArray(String[]::new), new PrintStream(out, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("cannot format " + propsFile.getParent() + ": " + out.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Map<String, Object> config = new java.util.HashMap<>(adminConfig);
        config.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        try (Admin admin = Admin.create(config)) {
            while (true) {
                try {
                    admin.describeCluster().nodes().get(2, TimeUnit.SECONDS);
                    return;
                } catch (Exception e) {
                    if (e instanceof InterruptedException) {
                        Thread.currentThread().interrupt();
                    }
                    if (e instanceof InterruptedException || System.nanoTime() > deadline) {
                        throw new IllegalStateException("broker in " + dataDir + " did not answer within " + timeout, e);
                    }
                }
            }
        }
    }

    /** The advertised address of the listener brokers talk on: the client listener unless overridden. */
    private static String interBrokerAddress(Properties config) {
        String name = config.getProperty("inter.broker.listener.name");
        for (String listener : config.getProperty("advertised.listeners").split(",")) {
            String[] parts = listener.trim().split("://", 2);
            if (parts.length == 2 && parts[0].equals(name)) {
                return parts[1];
            }
        }
        throw new IllegalArgumentException("advertised.listeners has no " + name + " listener (inter.broker.listener.name)");
    }

    private static int[] previousPorts(Path propsFile) {
        if (!Files.exists(propsFile)) {
            return new int[] {0, 0};
        }
        Matcher m = PORTS.matcher(load(propsFile).getProperty("listeners", ""));
        return m.matches() ? new int[] {Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2))} : new int[] {0, 0};
    }

    /** {@code wanted} if it is free now, otherwise any free port. */
    private static int free(int wanted) throws IOException {
        if (wanted != 0) {
            try (ServerSocket s = new ServerSocket(wanted, 1, InetAddress.getByName(HOST))) {
                return wanted;
            } catch (IOException taken) {
                // fall through to a fresh port
            }
        }
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            return s.getLocalPort();
        }
    }

    private static Properties load(Path file) {
        Properties p = new Properties();
        try (Reader r = Files.newBufferedReader(file)) {
            p.load(r);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    private static void store(Properties p, Path file) {
        try (Writer w = Files.newBufferedWriter(file)) {
            p.store(w, "Kafka config written by tunelog broker");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
