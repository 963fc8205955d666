package io.tunelog.cli.slurm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Slurm's own commands, run as processes: {@code sbatch} to submit a worker job, {@code squeue} to list the
 * launcher's jobs, {@code scancel} to cancel some. The launcher's jobs are those with its job name and user.
 */
public final class Slurm {
    private static final long TIMEOUT_SECONDS = 60;

    private final String jobName;
    private final Path script;
    private final List<String> sbatchArgs;
    private final Map<String, String> jobEnvironment;

    /**
     * @param jobName        the name every job of this launcher gets, and how it finds them again
     * @param script         the batch script, e.g. deploy/slurm/worker.sbatch
     * @param sbatchArgs     more sbatch options (--cpus-per-task, --partition, ...), before the script
     * @param jobEnvironment variables for the job: set in sbatch's environment, which a job inherits by default
     *                       (through --export it would split a value with commas, such as a list of brokers)
     */
    public Slurm(String jobName, Path script, List<String> sbatchArgs, Map<String, String> jobEnvironment) {
        this.jobName = jobName;
        this.script = script;
        this.sbatchArgs = List.copyOf(sbatchArgs);
        this.jobEnvironment = Map.copyOf(jobEnvironment);
    }

    /** Submits one job and returns its id. */
    public String submit() throws IOException {
        List<String> command = new ArrayList<>(List.of("sbatch", "--parsable", "--job-name=" + jobName));
        command.addAll(sbatchArgs);
        command.add(script.toString());
        // --parsable prints "<id>" or "<id>;<cluster>".
        return run(command, jobEnvironment).strip().split(";")[0];
    }

    /** The launcher's jobs that are pending or running (a job that is completing no longer counts). */
    public List<ScalePolicy.Job> jobs() throws IOException {
        String user = System.getProperty("user.name");
        String out = run(List.of("squeue", "--noheader", "--name=" + jobName, "--user=" + user, "--states=PENDING,CONFIGURING,RUNNING",
                "--format=%i %T"), Map.of());
        List<ScalePolicy.Job> jobs = new ArrayList<>();
        for (String line : out.split("\n")) {
            String[] fields = line.strip().split("\\s+");
            if (fields.length == 2) {
                jobs.add(new ScalePolicy.Job(fields[0], fields[1].equals("PENDING")));
            }
        }
        return jobs;
    }

    public void cancel(List<String> ids) throws IOException {
        if (!ids.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("scancel"));
            command.addAll(ids);
            run(command, Map.of());
        }
    }

    private static String run(List<String> command, Map<String, String> environment) throws IOException {
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().putAll(environment);
        Process p = builder.start();
        try {
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException(String.join(" ", command) + " did not finish within " + TIMEOUT_SECONDS + " s");
            }
            if (p.exitValue() != 0) {
                throw new IOException(String.join(" ", command) + " failed with exit code " + p.exitValue() + ": " + out.strip());
            }
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            p.destroyForcibly();
            throw new IOException("interrupted while running " + command.get(0), e);
        }
    }
}
