package io.tunelog.cli;

import ch.qos.logback.classic.Level;
import io.tunelog.health.HealthServer;
import io.tunelog.platform.Platform;
import io.tunelog.security.RecordSignature;
import io.tunelog.security.SigningKeys;
import io.tunelog.worker.GpuDetection;
import io.tunelog.worker.LocalGpus;
import io.tunelog.worker.PythonHelper;
import io.tunelog.worker.Sandbox;
import io.tunelog.worker.TrialPolicy;
import io.tunelog.worker.WorkerAgent;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** Runs one worker agent until the process is stopped. */
@Command(name = "worker", mixinStandardHelpOptions = true, description = {"Run a worker agent until stopped.",
        "Kafka's logs go to worker-<id>.log in the --log-dir (--verbose: here too)."})
final class WorkerCommand implements Callable<Integer> {
    @Mixin
    KafkaOptions kafka;

    @Mixin
    HealthOptions health;

    @Mixin
    ConsoleLogs logs;

    @Option(names = {"--cpus", "--slots"}, defaultValue = "1",
            description = "CPUs for trials: a trial holds its trial.resources.cpus of them while it runs, so with the default "
                    + "(one per trial) this is how many run at once; --slots is its older name (default: ${DEFAULT-VALUE})")
    int slots;

    @Option(names = "--gpus", paramLabel = "IDS",
            description = "The GPUs trials may use, as CUDA names them: 0,1,2,3 or 0-3, or none; each goes to one trial at a "
                    + "time, in CUDA_VISIBLE_DEVICES (default: CUDA_VISIBLE_DEVICES, else SLURM_STEP_GPUS or SLURM_JOB_GPUS, "
                    + "else nvidia-smi -L, else none)")
    String gpus;

    @Option(names = "--worker-id", description = "Worker id (default: host name and a random suffix)")
    String workerId;

    @Option(names = "--storage", description = "Checkpoint storage shared by all workers (default: ~/tunelog_results)")
    Path storage;

    @Option(names = "--log-dir", description = "Where trial stdout/stderr go (default: the storage directory)")
    Path logDir;

    @Option(names = "--max-output-bytes", defaultValue = "67108864",
            description = "Most bytes one attempt may write to stdout, and to stderr; past either the trial is ended and fails "
                    + "(default: ${DEFAULT-VALUE}, 64 MiB)")
    long maxOutputBytes;

    @Option(names = "--max-reports-in-flight", defaultValue = "1000",
            description = "Most reports sent and not yet judged by the gate; a trial's next report waits for room, so trials "
                    + "slow down instead of piling results up when the gate falls behind (default: ${DEFAULT-VALUE})")
    int maxReportsInFlight;

    @Option(names = "--trial-env", paramLabel = "NAME",
            description = "A variable of the worker's environment that trials get too, or a prefix ending in * (HF_*); repeatable. "
                    + "Trials get only these and a default list (PATH, HOME, LANG, LC_*, PYTHONPATH, CUDA_VISIBLE_DEVICES, SLURM_*, ...); "
                    + "never KAFKA_* or TUNELOG_*")
    List<String> trialEnv = new ArrayList<>();

    @Option(names = "--allow-command", paramLabel = "PATH",
            description = "Run only trials whose command's program is this, exactly as the spec writes it; repeatable. "
                    + "With no --allow-command and no --allow-trainable, any trial runs")
    List<String> allowCommands = new ArrayList<>();

    @Option(names = "--allow-trainable", paramLabel = "CLASS",
            description = "Run only JVM trainables of this class; repeatable. Either allow-list, once given, refuses what it does not name")
    List<String> allowTrainables = new ArrayList<>();

    @Option(names = "--python-helper", paramLabel = "DIR",
            description = "The directory holding the tunelog Python package, put first on every process trial's PYTHONPATH "
                    + "(default: $" + PythonHelper.VARIABLE + ", else the checkout's python/ that bin/tunelog names)")
    Path pythonHelper;

    @Option(names = "--sandbox",
            description = "Run each trial's command under bubblewrap (bwrap): the system read-only, only the attempt's own directories "
                    + "writable, the worker's storage, logs, --client-config and the stores it names out of sight, its own PID "
                    + "namespace; JVM trainables are refused. See docs/SECURITY.md for what it does not protect")
    boolean sandbox;

    @Option(names = "--sandbox-hide", paramLabel = "PATH",
            description = "With --sandbox: a file or directory trials must not see either (~/.ssh, a token file); repeatable")
    List<Path> sandboxHide = new ArrayList<>();

    @Option(names = "--key", paramLabel = "FILE",
            description = "Sign every report with this Ed25519 private key (mode 0600; registered with `tunelog key register --role worker`"
                    + " for the --worker-id given, which it needs). Under --sandbox trials cannot see it. See docs/SIGNING.md")
    Path key;

    @Option(names = "--sandbox-no-network",
            description = "With --sandbox: trials get no network (by default they share the host's, to fetch data)")
    boolean sandboxNoNetwork;

    @Override
    public Integer call() throws Exception {
        if (slots < 1) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--cpus must be at least 1, got " + slots);
        }
        GpuDetection.Found devices = devices(gpus);
        if (maxOutputBytes < 1) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--max-output-bytes must be at least 1, got " + maxOutputBytes);
        }
        if (maxReportsInFlight < 1) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--max-reports-in-flight must be at least 1, got " + maxReportsInFlight);
        }
        TrialPolicy policy;
        try {
            policy = new TrialPolicy(trialEnv, allowCommands, allowTrainables);
        } catch (IllegalArgumentException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, e.getMessage());
        }
        PythonHelper helper = PythonHelper.fromProcess();
        if (pythonHelper != null) {
            // Named on the command line, so a wrong one is the user's mistake to hear about, not a line in the log.
            helper = PythonHelper.at(pythonHelper, "--python-helper");
            if (helper.dir() == null) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, helper.missing());
            }
        }
        health.check();
        RecordSignature.Signer signer = signer();
        Sandbox trialSandbox = sandbox(); // its options checked before Kafka is asked anything
        var clients = kafka.requiredClients();
        Path store = storage != null ? storage : FollowOptions.defaultRoot();
        String id = workerId != null ? workerId : Platform.hostname() + "-" + UUID.randomUUID().toString().substring(0, 6);
        logs.toFile((logDir != null ? logDir : store).resolve("worker-" + id + ".log"), Level.INFO);
        CountDownLatch stopped = new CountDownLatch(1);
        try (Platform platform = new Platform(clients)) {
            WorkerAgent agent = new WorkerAgent(clients, Platform.workerSettings(id, slots, store, logDir != null ? logDir : store)
                    .withMaxOutputBytes(maxOutputBytes).withPolicy(policy).withMaxReportsInFlight(maxReportsInFlight)
                    .withGpus(devices.devices()).withPythonHelper(helper).withSandbox(trialSandbox).withReportSigner(signer));
            // Served before the agent starts, which waits up to 2 minutes for the topics: live, not yet ready.
            try (HealthServer probes = health.serve(List.of(new HealthServer.Component("worker", agent::isLive, agent::isStarted)))) {
                platform.startWorker(agent);
                Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                    if (probes != null) {
                        probes.close();
                    }
                    platform.close();
                    System.out.println("worker " + id + " stopped");
                    stopped.countDown();
                }));
                System.out.println("worker " + id + " ready with " + slots + " CPU(s) and " + devices.devices().size() + " GPU(s) "
                        + devices.devices() + " (" + devices.source() + ")");
                if (trialSandbox != null) {
                    System.out.println("trials run under bwrap, network " + (trialSandbox.network() ? "shared" : "unshared")
                            + "; JVM trainables are refused");
                }
                stopped.await();
            }
        }
        return 0;
    }

    /** The signer of {@code --key}, or null; a key file others may read, or one that holds no pair, is refused. */
    private RecordSignature.Signer signer() {
        if (key == null) {
            return null;
        }
        if (workerId == null) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--key needs --worker-id: the id its key is registered for");
        }
        try {
            return new RecordSignature.Signer(SigningKeys.readPrivate(key));
        } catch (SigningKeys.KeyFileException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--key: " + e.getMessage());
        }
    }

    /** The sandbox of {@code --sandbox}, or null; the worker does not start when bwrap is missing or cannot run. */
    private Sandbox sandbox() {
        if (!sandbox) {
            if (!sandboxHide.isEmpty() || sandboxNoNetwork) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, (sandboxNoNetwork ? "--sandbox-no-network" : "--sandbox-hide") + " needs --sandbox");
            }
            return null;
        }
        for (Path p : sandboxHide) {
            if (!Files.exists(p)) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--sandbox-hide " + p + ": no such file or directory");
            }
        }
        Path bwrap = Sandbox.findBwrap(System.getenv("PATH")).orElseThrow(() -> new Tunelog.UserError(Tunelog.BAD_INPUT,
                "--sandbox: no bwrap on PATH; install bubblewrap (Debian and Ubuntu: apt-get install bubblewrap)"));
        List<Path> hidden = new ArrayList<>(kafka.credentialFiles());
        if (key != null) {
            hidden.add(key);
        }
        hidden.addAll(sandboxHide);
        Sandbox made = new Sandbox(bwrap, hidden, !sandboxNoNetwork, Sandbox.gpuDevices(Path.of("/dev")));
        made.problem().ifPresent(p -> {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--sandbox: " + bwrap + " cannot run here: " + p);
        });
        return made;
    }

    /** The GPUs given with {@code --gpus}, or else found in this process's environment. */
    static GpuDetection.Found devices(String gpus) {
        try {
            return gpus != null ? new GpuDetection.Found(GpuDetection.parse(gpus), "--gpus") : LocalGpus.detect();
        } catch (IllegalArgumentException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, (gpus != null ? "--gpus " + gpus + ": " : "cannot tell this worker's GPUs from ")
                    + e.getMessage() + (gpus != null ? "" : "; give them with --gpus"));
        }
    }
}
