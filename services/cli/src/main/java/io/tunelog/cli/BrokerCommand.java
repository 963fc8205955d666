package io.tunelog.cli;

import io.tunelog.kafka.broker.LocalBroker;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** A real standalone single-node KRaft broker from the project's own Kafka jars. */
@Command(name = "broker", mixinStandardHelpOptions = true, description = "Run a standalone single-node Kafka (KRaft) broker until stopped.")
final class BrokerCommand implements Callable<Integer> {
    @Option(names = "--data-dir", description = "Log directory; reused if already formatted (default: ~/.tunelog/broker)")
    Path dataDir;

    @Option(names = "--port", defaultValue = "9092", description = "Client port on 127.0.0.1 (default: ${DEFAULT-VALUE})")
    int port;

    @Override
    public Integer call() throws Exception {
        Path dir = dataDir != null ? dataDir : Path.of(System.getProperty("user.home"), ".tunelog", "broker");
        LocalBroker.runForeground(dir, port);
        return 0;
    }
}
