package io.tunelog.cli;

import static io.tunelog.cli.CliRun.run;
import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.event.EventPayload;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.replay.ExperimentLog;
import io.tunelog.replay.Replay;
import io.tunelog.replay.anchor.Anchor;
import io.tunelog.security.SigningKeys;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * An anchor of a live log, written by the real services: the experiment waits with no worker, an auditor anchors its
 * head, then `tunelog cancel` makes the services append to it; `audit --since` proves the log still extends the anchor.
 */
class AnchorEndToEndTest {
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess();

    @Test
    void shouldProveALogThatAnotherCommandExtendedStillExtendsItsAnchor() throws Exception {
        Path dir = PLATFORM.storage();
        SpecFile spec = SpecFile.read(Files.writeString(dir.resolve("anchor.yaml"), """
                name: anchored
                metric: {name: score, mode: max}
                seed: 3
                budget: {trials: 4, concurrent: 2}
                searchSpace:
                  lr: {uniform: [0, 1]}
                trial: {command: [python3, never-run.py]}
                """));
        String id = "anchored-" + System.nanoTime();
        ExperimentFollower.submit(PLATFORM.clients(), id, spec);
        ExperimentLog head = awaitLog(id, log -> log.records().size() > 0 && Replay.state(log).trials().size() == 2);
        Thread.sleep(1_000); // nothing more is due while no worker takes the queued trials

        Path keys = dir.resolve("auditor");
        assertThat(run("key", "new", "--out", keys.toString()).exit()).isZero();
        Path anchor = dir.resolve("head.json");
        CliRun made = run("audit", id, "--anchor", anchor.toString(), "--key", keys.resolve(SigningKeys.PRIVATE_FILE).toString(),
                "-b", PLATFORM.bootstrapServers());
        assertThat(made.exit()).as(made.out() + made.err()).isZero();
        long anchored = Anchor.read(anchor).statement().records();
        assertThat(anchored).isGreaterThanOrEqualTo(head.records().size());

        CliRun cancel = run("cancel", id, "--reason", "anchored and done", "-b", PLATFORM.bootstrapServers());
        assertThat(cancel.exit()).as(cancel.err()).isZero();
        ExperimentLog after = awaitLog(id, log -> log.records().size() > anchored && Replay.events(log).stream()
                .anyMatch(e -> e.event().payload() instanceof EventPayload.ExperimentCancelled));

        CliRun since = run("audit", id, "--since", anchor.toString(), "--public-key", keys.resolve(SigningKeys.PUBLIC_FILE).toString(),
                "-b", PLATFORM.bootstrapServers());
        System.out.println(made.out() + since.out());
        assertThat(since.exit()).as(since.out() + since.err()).isZero();
        assertThat(since.out()).contains("Audit of " + id + ": PASSED", "the log extends the anchor: its " + anchored + " records");
        assertThat(after.records().size()).as("the log grew past the anchor").isGreaterThan((int) anchored);
    }

    private static ExperimentLog awaitLog(String id, Predicate<ExperimentLog> done) throws InterruptedException {
        long deadline = System.currentTimeMillis() + 60_000;
        while (true) {
            ExperimentLog log = ExperimentLog.fromKafka(PLATFORM.clients(), id);
            if (done.test(log)) {
                return log;
            }
            assertThat(System.currentTimeMillis()).as("the log of " + id + " in time").isLessThan(deadline);
            Thread.sleep(200);
        }
    }
}
