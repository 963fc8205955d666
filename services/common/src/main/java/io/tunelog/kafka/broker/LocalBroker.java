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
    private static final Pattern PORTS = Pattern.compile("PLAINTEXT://[^:]+:(\\d+),CONTROLLER://[^:]+:(\\d+)");

    private final KafkaRaftServer server;
    private final Path dataDir;
    private final String bootstrapServers;

    private LocalBroker(KafkaRaftServer server, Path dataDir, String bootstrapServers) {
        this.server = server;
        this.dataDir = dataDir;
        this.bootstrapServers = bootstrapServers;
    }

    /**
     * Starts a broker on 127.0.0.1 and returns once it answers.
     *
     * @param port the client port, or 0 for a free one (a restarted broker keeps its old ports if they are free)
     */
    public static LocalBroker start(Path dataDir, int port) {
        Path dir = dataDir.toAbsolutePath();
        Path propsFile = dir.resolve("server.properties");
        boolean formatted = Files.exists(dir.resolve("log").resolve("meta.properties"));
        try {
            Files.createDirectories(dir);
            int[] ports = formatted ? previousPorts(propsFile) : new int[] {0, 0};
            int clientPort = port != 0 ? port : free(ports[0]);
            // The static quorum (controller.quorum.voters) is not stored in the log, so this port may change.
            int controllerPort = free(ports[1]);
            store(config(dir, clientPort, controllerPort), propsFile);
            if (!formatted) {
                format(propsFile);
            }
            KafkaRaftServer server = new KafkaRaftServer(KafkaConfig.fromProps(load(propsFile), false), Time.SYSTEM);
            LocalBroker broker = new LocalBroker(server, dir, HOST + ":" + clientPort);
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
    public static void runForeground(Path dataDir, int port) throws InterruptedException {
        LocalBroker broker = start(dataDir, port);
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

    private static void format(Path propsFile) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        String[] args = {"format", "--cluster-id", Uuid.randomUuid().toString(), "--config", propsFile.toString()};
        int code = StorageTool.execute(args, new PrintStream(out, true, StandardCharsets.UTF_8));
        if (code != 0) {
            throw new IllegalStateException("cannot format " + propsFile.getParent() + ": " + out.toString(StandardCharsets.UTF_8));
        }
    }

    private void awaitReady(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
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
