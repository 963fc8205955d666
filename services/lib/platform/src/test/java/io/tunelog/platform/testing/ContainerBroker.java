package io.tunelog.platform.testing;

import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import java.time.Duration;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.kafka.KafkaContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A Kafka broker in a container, started by Testcontainers' {@link KafkaContainer} from the Tunelog image
 * (deploy/container/Containerfile), which stands in for the official {@code apache/kafka} image: its
 * {@code /etc/kafka/docker/run} turns KafkaContainer's {@code KAFKA_*} settings into {@code tunelog broker}.
 *
 * <p>Chosen by {@code TUNELOG_KAFKA=testcontainers} (or {@code -Dtunelog.kafka=testcontainers}); the image is
 * {@code TUNELOG_KAFKA_IMAGE} ({@value #DEFAULT_IMAGE} unless told).
 */
final class ContainerBroker implements AutoCloseable {
    static final String DEFAULT_IMAGE = "localhost/tunelog:latest";
    private static final int KAFKA_PORT = 9092;

    private final KafkaContainer container;

    private ContainerBroker(KafkaContainer container) {
        this.container = container;
    }

    /** Whether the suites' broker should run in a container. */
    static boolean wanted() {
        return "testcontainers".equals(setting("tunelog.kafka", "TUNELOG_KAFKA", ""));
    }

    /**
     * Why no container can be started here, or null when an engine answers. Without one it throws when
     * {@code TUNELOG_CONTAINER_TESTS=required}: CI must not skip what it is meant to run.
     */
    static String missingEngine() {
        if (DockerClientFactory.instance().isDockerAvailable()) {
            return null;
        }
        String reason = "TUNELOG_KAFKA=testcontainers, but Testcontainers finds no container engine"
                + " (DOCKER_HOST=" + System.getenv("DOCKER_HOST") + "; with podman: podman system service)";
        if ("required".equals(System.getenv("TUNELOG_CONTAINER_TESTS"))) {
            throw new IllegalStateException(reason + ", and TUNELOG_CONTAINER_TESTS=required");
        }
        return reason;
    }

    static ContainerBroker start() {
        String image = setting("tunelog.kafka.image", "TUNELOG_KAFKA_IMAGE", DEFAULT_IMAGE);
        KafkaContainer kafka = new LoopbackKafkaContainer(DockerImageName.parse(image).asCompatibleSubstituteFor("apache/kafka"))
                .withCreateContainerCmdModifier(cmd -> {
                    // The image's entrypoint is tunelog; KafkaContainer's command is a shell line, as for apache/kafka.
                    cmd.withEntrypoint("/usr/bin/env");
                    // The client port on the host's loopback only, not on every interface.
                    cmd.getHostConfig().withPortBindings(
                            new PortBinding(Ports.Binding.bindIp("127.0.0.1"), ExposedPort.tcp(KAFKA_PORT)));
                })
                // tunelog broker's own line once it answers; its Kafka log may go to a file, not to the console.
                .waitingFor(Wait.forLogMessage(".*broker ready at .*", 1).withStartupTimeout(Duration.ofMinutes(2)));
        kafka.start();
        System.err.printf("Kafka broker in container %s from %s at %s%n",
                kafka.getContainerId().substring(0, 12), image, kafka.getBootstrapServers());
        return new ContainerBroker(kafka);
    }

    String bootstrapServers() {
        return container.getBootstrapServers();
    }

    @Override
    public void close() {
        container.stop();
    }

    /**
     * Its port is published on the host's loopback only, so that is where clients find it (Testcontainers would
     * name the bridge's gateway when it runs in a container itself, as on CI machines).
     */
    private static final class LoopbackKafkaContainer extends KafkaContainer {
        LoopbackKafkaContainer(DockerImageName image) {
            super(image);
        }

        @Override
        public String getHost() {
            return "127.0.0.1";
        }
    }

    private static String setting(String property, String variable, String otherwise) {
        String value = System.getProperty(property, System.getenv(variable));
        return value == null || value.isBlank() ? otherwise : value;
    }
}
