package io.tunelog.cli;

import java.util.LinkedHashSet;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs services against a cluster until the process is stopped. */
@Command(name = "services", mixinStandardHelpOptions = true, description = "Run the Tunelog services until stopped.")
final class ServicesCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Option(names = "--only", split = ",", description = "Services to run (default: all of scheduler, suggestion, registry)")
    List<String> only;

    @Option(names = "--instance", description = "Instance id, stable across restarts of the same instance (default: random)")
    String instance;

    @Override
    public Integer call() throws Exception {
        var clients = kafka.requiredClients();
        var names = only == null ? Platform.SERVICES.keySet() : new LinkedHashSet<>(only);
        String id = instance != null ? instance : UUID.randomUUID().toString().substring(0, 8);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Platform platform = new Platform(clients)) {
            platform.ensureTopics(kafka.layout()).startServices(names, id);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                platform.close();
                stopped.countDown();
            }));
            platform.awaitServicesReady(120_000);
            System.out.println("services " + names + " (instance " + id + ") ready on " + kafka.bootstrapOrNull());
            stopped.await();
        }
        return 0;
    }
}
