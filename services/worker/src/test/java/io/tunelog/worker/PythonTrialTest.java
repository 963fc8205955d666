package io.tunelog.worker;

import static io.tunelog.worker.OneAttempt.kinds;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.avro.Assignment;
import io.tunelog.avro.CheckpointRegistered;
import io.tunelog.avro.TrialFailed;
import io.tunelog.avro.TrialReported;
import io.tunelog.avro.WorkerReport;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.testing.KafkaBrokerExtension;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.api.io.TempDir;

/**
 * A Python trial written on the tunelog helper, run by a real worker that puts the helper on its PYTHONPATH: what the
 * helper prints is what the worker reads (reports, checkpoints), and what it refuses fails the trial by name.
 */
class PythonTrialTest {
    @RegisterExtension
    static final KafkaBrokerExtension KAFKA = new KafkaBrokerExtension();

    static final String PYTHON = "/usr/bin/python3";
    static final String TRIAL = "trial-00000";
    static final ObjectMapper JSON = new ObjectMapper();
    /** The build's helper, as bin/tunelog names it (the parent pom sets the same property for tests). */
    static final PythonHelper HELPER = PythonHelper.fromProcess();

    @TempDir
    static Path dir;

    static KafkaClients clients;
    static WorkerAgent worker;
    static KafkaProducer<String, byte[]> scheduler;

    @BeforeAll
    static void startWorker() {
        assertThat(HELPER.dir()).as("the build names the helper: %s", HELPER.missing()).isNotNull();
        clients = KafkaClients.of(KAFKA.bootstrapServers());
        try (Admin admin = clients.admin()) {
            Topics.ensure(admin, new Topics.Layout(1, (short) 1));
        }
        worker = new WorkerAgent(clients, new WorkerAgent.Settings("w-python", "localhost", 1, dir.resolve("storage"), dir.resolve("logs"),
                null, WorkerAgent.Settings.DEFAULT_MAX_OUTPUT_BYTES).withPythonHelper(HELPER)).start();
        scheduler = clients.producer("test-scheduler", null);
    }

    @AfterAll
    static void stopWorker() {
        worker.close();
        scheduler.close();
    }

    private static List<WorkerReport> run(String experiment, String code, Map<String, Object> config) throws Exception {
        Assignment assignment = new Assignment(experiment, TRIAL, 1, config, List.of(PYTHON, "-c", code, dir.resolve(experiment + ".json").toString()),
                null, null, "val_accuracy", null, null, null, 1, 0);
        return OneAttempt.run(clients, scheduler, worker, assignment);
    }

    @Test
    void shouldImportTheHelperFirstOnThePythonPathAndHaveItsReportsAndCheckpointsTaken() throws Exception {
        String code = """
                import json, os, sys
                import tunelog
                c = tunelog.config(defaults={"epochs": 3, "lr": 0.1})
                with open(sys.argv[1], "w") as f:
                    json.dump({"PYTHONPATH": os.environ["PYTHONPATH"], "file": tunelog.__file__}, f)
                for epoch in range(1, c["epochs"] + 1):
                    d = tunelog.checkpoint_dir() if epoch % 2 == 0 else None
                    if d:
                        open(os.path.join(d, "model.bin"), "w").write("weights")
                    tunelog.report(checkpoint=d, val_accuracy=epoch / 10, lr=c["lr"])
                """;

        List<WorkerReport> reports = run("helper", code, Map.of("lr", 0.25));

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialReported", "CheckpointRegistered",
                "TrialReported", "TrialCompleted");
        assertThat(reports).filteredOn(r -> r.getPayload() instanceof TrialReported).extracting(r -> (TrialReported) r.getPayload())
                .extracting(r -> r.getStep() + " " + r.getMetrics())
                .containsExactly("1 {lr=0.25, val_accuracy=0.1}", "2 {lr=0.25, val_accuracy=0.2}", "3 {lr=0.25, val_accuracy=0.3}");
        CheckpointRegistered checkpoint = (CheckpointRegistered) reports.get(3).getPayload();
        assertThat(checkpoint.getCheckpointId()).isEqualTo(TRIAL + "/a1/checkpoint_000002");
        assertThat(checkpoint.getStep()).isEqualTo(2L);
        Map<String, String> seen = JSON.readValue(dir.resolve("helper.json").toFile(), new TypeReference<>() {});
        String own = System.getenv("PYTHONPATH");
        assertThat(seen.get("PYTHONPATH")).isEqualTo(own == null || own.isEmpty() ? HELPER.dir().toString() : HELPER.dir() + ":" + own);
        assertThat(seen.get("file")).isEqualTo(HELPER.dir().resolve("tunelog").resolve("__init__.py").toString());
    }

    @Test
    void shouldFailATrialWhoseMetricTheHelperRefusesNamingTheMetric() throws Exception {
        String code = """
                import tunelog
                tunelog.report(loss=0.5)
                tunelog.report(loss=float("nan"))
                """;

        List<WorkerReport> reports = run("nan", code, Map.of());

        assertThat(kinds(reports)).containsExactly("TrialStarted", "TrialReported", "TrialFailed");
        assertThat(((TrialFailed) reports.get(2).getPayload()).getError())
                .isEqualTo("exit code 1: ValueError: metric loss is nan, not a finite number");
    }
}
