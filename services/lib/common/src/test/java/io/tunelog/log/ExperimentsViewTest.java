package io.tunelog.log;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.avro.CommandRejected;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.EventPayload.ExperimentCancelled;
import io.tunelog.domain.event.LoggedEvent;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.domain.state.ExperimentStatus;
import io.tunelog.domain.testing.LogBuilder;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** The one follower of the whole log, against a real broker: what it folds, when it says it has caught up, whom it tells. */
class ExperimentsViewTest {
    static final String SPEC = """
            name: view
            metric: {name: score, mode: max}
            budget: {trials: 2, concurrent: 1}
            searchSpace:
              x: {uniform: [0, 1]}
            trial:
              command: [x]
            """;
    static final int PARTITIONS = 3;

    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    static KafkaClients clients;
    static int experiments;

    @BeforeAll
    static void start() {
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(PARTITIONS, (short) 1));
        }
    }

    @Test
    void shouldFoldEveryExperimentOfEveryPartitionBeforeSayingItHasCaughtUp() throws Exception {
        List<LogBuilder> logs = new ArrayList<>();
        Set<Integer> partitions = new HashSet<>();
        for (int i = 0; i < 6; i++) {
            LogBuilder log = submitted();
            if (i % 2 == 0) {
                log.command(null, "cancelled", new ExperimentCancelled("enough", "test"));
            }
            write(log, 0);
            logs.add(log);
            partitions.add(partition(log.experimentId()));
        }
        assertThat(partitions).as("the experiments span partitions").hasSizeGreaterThan(1);

        try (ExperimentsView<List<LoggedEvent>> view = new ExperimentsView<>(clients, "view-test-fold",
                id -> new ArrayList<>(), List::add, null)) {
            await(view::caughtUp);
            // No waiting past this point: once caught up, what was written before the start is all there.
            for (LogBuilder log : logs) {
                assertThat(view.read(log.experimentId(), events -> events.stream().map(LoggedEvent::offset).toList()))
                        .as(log.experimentId()).hasValue(log.events().stream().map(LoggedEvent::offset).toList());
            }
            assertThat(view.experimentCount()).isGreaterThanOrEqualTo(logs.size());
            assertThat(view.read("never-written", List::size)).isEmpty();
        }
        try (ExperimentsView<ExperimentState> states = ExperimentsView.states(clients, "view-test-states")) {
            await(states::caughtUp);
            for (LogBuilder log : logs) {
                assertThat(states.read(log.experimentId(), ExperimentState::status)).hasValue(log.state().status());
            }
            assertThat(states.readAll(ExperimentState::status)).contains(ExperimentStatus.CANCELLED, ExperimentStatus.RUNNING);
        }
    }

    @Test
    void shouldTellASubscriberOfEachChangeUntilItUnsubscribes() throws Exception {
        try (ExperimentsView<ExperimentState> view = ExperimentsView.states(clients, "view-test-subscribe")) {
            await(view::caughtUp);
            LogBuilder log = submitted();
            AtomicInteger changes = new AtomicInteger();
            // Before the experiment's first event: a stream may wait for an experiment that is about to appear.
            Runnable unsubscribe = view.subscribe(log.experimentId(), changes::incrementAndGet);

            write(log, 0);
            await(() -> changes.get() > 0);
            assertThat(view.read(log.experimentId(), ExperimentState::status)).hasValue(ExperimentStatus.RUNNING);

            unsubscribe.run();
            int heard = changes.get();
            log.command(null, "cancelled", new ExperimentCancelled("enough", "test"));
            write(log, 1);
            await(() -> view.read(log.experimentId(), ExperimentState::status).orElseThrow() == ExperimentStatus.CANCELLED);
            assertThat(changes.get()).isEqualTo(heard);
        }
    }

    @Test
    void shouldPassOnTheGatesRejectionsWhenAskedTo() throws Exception {
        List<CommandRejected> rejections = new CopyOnWriteArrayList<>();
        try (ExperimentsView<ExperimentState> view = new ExperimentsView<>(clients, "view-test-rejections",
                ExperimentState::new, ExperimentState::apply, rejections::add)) {
            String id = "refused-" + System.nanoTime();
            CommandRejected rejection = new CommandRejected(Topics.SUBMISSIONS, 0, 42L, id, null, "spec does not parse");
            try (KafkaProducer<String, byte[]> producer = clients.producer("view-test-gate", null)) {
                producer.send(new ProducerRecord<>(Topics.REJECTIONS, id, AvroBytes.encode(rejection))).get();
            }
            await(() -> rejections.stream().anyMatch(r -> id.equals(r.getExperimentId())));
            assertThat(rejections).filteredOn(r -> id.equals(r.getExperimentId())).singleElement()
                    .satisfies(r -> assertThat(r.getReason()).isEqualTo("spec does not parse"));
            // A rejection is not an event: the experiment is still not in the log.
            assertThat(view.read(id, ExperimentState::status)).isEmpty();
        }
    }

    @Test
    void shouldSetAsideARecordItCannotDecodeAndFoldTheRest() throws Exception {
        LogBuilder log;
        String id = "undecodable-" + System.nanoTime();
        try (KafkaProducer<String, byte[]> producer = clients.producer("view-test-garbage", null)) {
            producer.send(new ProducerRecord<>(Topics.EVENTS, id, new byte[] {1, 2, 3})).get();
        }
        log = LogBuilder.submitted(id, SPEC, endOffset(id));
        write(log, 0);
        try (ExperimentsView<ExperimentState> view = ExperimentsView.states(clients, "view-test-garbage")) {
            await(view::caughtUp);
            assertThat(view.read(id, ExperimentState::eventCount)).hasValue(1L);
            assertThat(view.failure()).isEmpty();
        }
    }

    // ---- helpers ----

    /** A new experiment's submission, at the offset its partition's next record will have. */
    static LogBuilder submitted() {
        String id = "view-" + (++experiments) + "-" + System.nanoTime();
        return LogBuilder.submitted(id, SPEC, endOffset(id));
    }

    static int partition(String experimentId) {
        return Topics.partitionFor(experimentId, PARTITIONS);
    }

    static long endOffset(String experimentId) {
        TopicPartition tp = new TopicPartition(Topics.EVENTS, partition(experimentId));
        try (KafkaConsumer<String, byte[]> consumer = clients.consumer("view-test-probe", null)) {
            return consumer.endOffsets(List.of(tp)).get(tp);
        }
    }

    /** Writes the log's events from the {@code from}-th on; a lone producer's records land at the offsets the builder gave. */
    static void write(LogBuilder log, int from) throws Exception {
        Integrity.SequentialWriter writer = new Integrity.SequentialWriter();
        try (KafkaProducer<String, byte[]> producer = clients.producer("view-test-writer", null)) {
            List<LoggedEvent> events = log.events();
            for (int i = 0; i < events.size(); i++) {
                var record = writer.next(events.get(i));
                if (i >= from) {
                    assertThat(producer.send(record).get().offset()).isEqualTo(events.get(i).offset());
                }
            }
        }
    }

    static void await(BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("within 30 s").isLessThan(deadline);
            Thread.sleep(50);
        }
    }
}
