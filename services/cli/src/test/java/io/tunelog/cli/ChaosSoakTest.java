package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.tunelog.domain.state.ExperimentState;
import io.tunelog.kafka.KafkaClients;
import io.tunelog.platform.testing.PlatformExtension;
import io.tunelog.platform.testing.ProcessFleet;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A bounded chaos soak on loopback: while experiments run on a three-broker cluster, random workers and services
 * (each a process) are killed with SIGKILL every few seconds and started again, {@value #DEFAULT_KILLS} times by
 * default ({@code -Dtunelog.soak.kills=N} for more). Then it stops killing, lets every experiment finish, and asserts
 * of each what the fault suite asserts ({@link Survival}). The kill schedule comes from a fixed seed.
 */
class ChaosSoakTest {
    private static final int DEFAULT_KILLS = 50;
    private static final long SEED = 20261129L;
    private static final int TRIALS = 12;

    /** Every service and four workers, each a process; the directory is kept, so every process's output is there to read. */
    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.processes(Tunelog.class).cluster().instance("a")
            .workers("w", 4, 2).storage(Path.of("target", "chaos-soak").toAbsolutePath());

    @Test
    void shouldLoseNothingAndDecideNothingTwiceThroughFiftyKills() throws Exception {
        Path dir = PLATFORM.storage();
        int kills = Integer.getInteger("tunelog.soak.kills", DEFAULT_KILLS);
        KafkaClients clients = PLATFORM.clients();
        ProcessFleet fleet = PLATFORM.fleet();
        Random random = new Random(SEED);
        List<String> experiments = new ArrayList<>();
        TreeMap<String, Integer> killed = new TreeMap<>();
        long started = System.nanoTime();
        experiments.add(submit(clients, dir, experiments.size()));
        for (int kill = 1; kill <= kills; kill++) {
            Thread.sleep(1500 + random.nextInt(2000));
            if (kill % 10 == 0) {
                experiments.add(submit(clients, dir, experiments.size()));
            }
            List<ProcessFleet.Member> alive = fleet.members().stream().filter(ProcessFleet.Member::isAlive).toList();
            ProcessFleet.Member victim = alive.get(random.nextInt(alive.size()));
            fleet.kill(victim);
            killed.merge(victim.name, 1, Integer::sum);
            // Started again at once (services under the same instance id, which fences the dead one's transaction),
            // except now and then a victim stays down for a few kills, so that two can be down together.
            for (ProcessFleet.Member m : fleet.members()) {
                if (!m.isAlive() && (m != victim || random.nextInt(4) != 0)) {
                    fleet.restart(m);
                }
            }
        }
        for (ProcessFleet.Member m : fleet.members()) {
            if (!m.isAlive()) {
                fleet.restart(m);
            }
        }
        long chaosSeconds = Duration.ofNanos(System.nanoTime() - started).toSeconds();

        int trials = 0;
        int failedAttempts = 0;
        int resumed = 0;
        for (String id : experiments) {
            ExperimentState state = new ExperimentFollower(clients, new PrintWriter(new StringWriter()))
                    .follow(id, Duration.ofSeconds(300));
            Survival.Outcome outcome = Survival.assertSurvived(clients, state);
            trials += state.trials().size();
            failedAttempts += outcome.failedAttempts();
            resumed += outcome.resumedAttempts();
        }
        int total = killed.values().stream().mapToInt(Integer::intValue).sum();
        System.out.printf("chaos soak: %d kills in %d s (%s); %d experiments, %d trials all completed; %d attempts failed "
                        + "by the kills, %d resumed from a checkpoint; no report lost, no decision twice, every audit passed; "
                        + "%d s in all%n", total, chaosSeconds, killed, experiments.size(), trials, failedAttempts, resumed,
                Duration.ofNanos(System.nanoTime() - started).toSeconds());
        assertThat(total).isEqualTo(kills);
        assertThat(killed.keySet()).as("every kind of process was killed").contains("scheduler", "suggestion", "registry")
                .anyMatch(name -> name.startsWith("w"));
    }

    private static String submit(KafkaClients clients, Path dir, int n) throws Exception {
        String name = "chaos-" + n;
        SpecFile spec = CurveTrainable.faultSpec(dir, name, n, TRIALS, 150, 30);
        String id = name + "-" + System.nanoTime();
        ExperimentFollower.submit(clients, id, spec);
        return id;
    }
}
