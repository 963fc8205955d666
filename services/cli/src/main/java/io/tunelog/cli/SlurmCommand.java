package io.tunelog.cli;

import io.tunelog.cli.slurm.Backlog;
import io.tunelog.cli.slurm.ScalePolicy;
import io.tunelog.cli.slurm.Slurm;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Worker agents on Slurm. */
@Command(name = "slurm", mixinStandardHelpOptions = true, description = "Worker agents as Slurm jobs.",
        subcommands = SlurmCommand.Scale.class)
final class SlurmCommand {

    /** The elastic launcher: worker jobs follow the backlog in the log, between a minimum and a maximum. */
    @Command(name = "scale", mixinStandardHelpOptions = true,
            description = {"Submit and cancel worker jobs as the backlog of trials grows and shrinks, until stopped.",
                    "Every interval it folds the log, counts the attempts queued and running, and keeps "
                            + "ceil(those / --slots-per-job) jobs, within --min..--max: more at once, fewer only after "
                            + "--scale-down-after, never cancelling a job whose agent runs a trial. Jobs it started keep "
                            + "running when it stops (scancel --name=<job name> ends them)."})
    static final class Scale implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Option(names = "--min", defaultValue = "0", description = "Fewest worker jobs (default: ${DEFAULT-VALUE})")
        int min;

        @Option(names = "--max", required = true, description = "Most worker jobs")
        int max;

        @Option(names = "--slots-per-job", defaultValue = "1",
                description = "Trial slots of each job's agent, submitted as --cpus-per-task (default: ${DEFAULT-VALUE})")
        int slotsPerJob;

        @Option(names = "--script", defaultValue = "deploy/slurm/worker.sbatch", description = "The batch script (default: ${DEFAULT-VALUE})")
        Path script;

        @Option(names = "--job-name", defaultValue = "tunelog-worker-scaled",
                description = "The name of this launcher's jobs; it counts and cancels only jobs of this name (default: ${DEFAULT-VALUE})")
        String jobName;

        @Option(names = "--storage", description = "Checkpoint storage for the agents, on a file system every node mounts "
                + "(default: the script's, ~/tunelog_results)")
        Path storage;

        @Option(names = "--sbatch-arg", description = "An extra sbatch option, e.g. --sbatch-arg=--partition=gpu; repeatable")
        List<String> sbatchArgs = new ArrayList<>();

        @Option(names = "--interval", defaultValue = "5", description = "Seconds between two looks at the backlog (default: ${DEFAULT-VALUE})")
        double intervalSeconds;

        @Option(names = "--scale-down-after", defaultValue = "60",
                description = "Seconds with more jobs than wanted before any is cancelled (default: ${DEFAULT-VALUE})")
        double scaleDownAfterSeconds;

        @Option(names = "--max-backoff", defaultValue = "300",
                description = "Longest wait, in seconds, after sbatch failures in a row; it doubles from 1 s (default: ${DEFAULT-VALUE})")
        double maxBackoffSeconds;

        @Override
        public Integer call() throws Exception {
            ScalePolicy.Bounds bounds;
            try {
                bounds = new ScalePolicy.Bounds(min, max, slotsPerJob);
            } catch (IllegalArgumentException e) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--min, --max, --slots-per-job: " + e.getMessage());
            }
            if (intervalSeconds <= 0 || scaleDownAfterSeconds < 0 || maxBackoffSeconds < 1) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--interval must be positive, --scale-down-after not negative, --max-backoff at least 1");
            }
            if (!Files.isRegularFile(script)) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--script " + script + " is not a file");
            }
            var clients = kafka.requiredClients();
            Map<String, String> jobEnv = new HashMap<>();
            jobEnv.put("KAFKA_BOOTSTRAP_SERVERS", clients.bootstrapServers());
            if (storage != null) {
                jobEnv.put("TUNELOG_STORAGE", storage.toAbsolutePath().toString());
            }
            if (kafka.clientConfig != null) {
                jobEnv.put("TUNELOG_CLIENT_CONFIG", kafka.clientConfig.toAbsolutePath().toString());
            }
            List<String> args = new ArrayList<>(List.of("--cpus-per-task=" + slotsPerJob));
            args.addAll(sbatchArgs);
            Slurm slurm = new Slurm(jobName, script.toAbsolutePath(), args, jobEnv);
            ScalePolicy policy = new ScalePolicy(bounds, seconds(scaleDownAfterSeconds), seconds(maxBackoffSeconds));
            Duration interval = seconds(intervalSeconds);

            AtomicBoolean running = new AtomicBoolean(true);
            CountDownLatch stopped = new CountDownLatch(1);
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                running.set(false);
                try {
                    stopped.await(30, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }));
            try (Backlog backlog = new Backlog(clients)) {
                say("scaling jobs named " + jobName + " between " + min + " and " + max + ", " + slotsPerJob + " slot(s) each, with " + script);
                while (running.get()) {
                    // Before the fold has caught up, an empty backlog would cancel jobs that run trials.
                    if (backlog.caughtUp()) {
                        step(slurm, policy, backlog.seen());
                    }
                    sleep(interval, running);
                }
            } finally {
                say("stopped; its jobs keep running (scancel --name=" + jobName + " ends them)");
                stopped.countDown();
            }
            return 0;
        }

        private void step(Slurm slurm, ScalePolicy policy, Backlog.Seen seen) {
            List<ScalePolicy.Job> jobs;
            try {
                jobs = slurm.jobs();
            } catch (IOException e) {
                say("cannot list the jobs: " + e.getMessage());
                return;
            }
            // Agents started by worker.sbatch are named slurm-<job id>.
            Set<String> busy = seen.workers().stream().filter(w -> w != null && w.startsWith("slurm-"))
                    .map(w -> w.substring("slurm-".length())).collect(Collectors.toSet());
            Instant now = Instant.now();
            ScalePolicy.Action action = policy.decide(new ScalePolicy.Observation(seen.queued(), seen.running(), jobs, busy), now);
            if (action.isNothing()) {
                return;
            }
            List<String> submitted = new ArrayList<>();
            List<String> cancelled = new ArrayList<>();
            try {
                for (int i = 0; i < action.submit(); i++) {
                    submitted.add(slurm.submit());
                }
                slurm.cancel(action.cancel());
                cancelled.addAll(action.cancel());
            } catch (IOException e) {
                if (submitted.size() < action.submit()) {
                    policy.submissionFailed(now);
                }
                say(e.getMessage());
            }
            int after = jobs.size() + submitted.size() - cancelled.size();
            say(jobs.size() + " -> " + after + " job(s), wanted " + action.wanted() + ": " + action.reason()
                    + (submitted.isEmpty() ? "" : "; submitted " + String.join(" ", submitted))
                    + (cancelled.isEmpty() ? "" : "; cancelled " + String.join(" ", cancelled)));
        }

        private static void say(String line) {
            System.out.println(LocalTime.now().truncatedTo(ChronoUnit.SECONDS) + " slurm scale: " + line);
        }

        private static Duration seconds(double s) {
            return Duration.ofMillis(Math.round(s * 1000));
        }

        private static void sleep(Duration d, AtomicBoolean running) throws InterruptedException {
            long until = System.nanoTime() + d.toNanos();
            while (running.get() && System.nanoTime() < until) {
                Thread.sleep(Math.min(100, Math.max(1, (until - System.nanoTime()) / 1_000_000)));
            }
        }
    }
}
