package io.tunelog.worker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The bubblewrap ({@code bwrap}) command line a sandboxed worker ({@code tunelog worker --sandbox}) runs a trial's
 * command under. The trial sees the system read-only, a /dev of its own with the GPU devices in it, a private /tmp and
 * /run (the host's sockets there, podman's or Docker's among them, are out of reach), and its own PID namespace: no
 * other process of the host, the worker included, can be seen or signalled. The worker's state directories (storage
 * and logs: every other trial's files) are empty and read-only in there, its secret files cannot be read, and only the
 * attempt's own checkpoint and log directories are writable; the checkpoint it restores from is read-only. All capabilities
 * are dropped (a worker running as root would otherwise keep them, and could unmount what hides its secrets), the
 * trial runs in a session of its own (it cannot push keystrokes into the worker's terminal), and it dies with bwrap.
 * The network is shared unless {@code network} is false: trials commonly fetch data.
 */
public final class Sandbox {
    /** The parts of the file system where the host keeps sockets and scratch space, replaced by empty ones. */
    private static final List<String> PRIVATE_DIRS = List.of("/tmp", "/run");
    /** Device files of NVIDIA and AMD GPUs and of DRM render nodes, passed through when the host has them. */
    private static final List<String> GPU_DEVICE_PREFIXES = List.of("nvidia", "dri", "kfd");

    private final Path bwrap;
    private final List<Path> hidden;
    private final boolean network;
    private final List<Path> devices;

    /**
     * @param bwrap   the bwrap program
     * @param hidden  files and directories a trial must not see: a directory is replaced by an empty one, a file by
     *                one that cannot be read; those that do not exist are skipped
     * @param network whether the trial shares the host's network
     * @param devices device files passed through to the trial (the GPUs)
     */
    public Sandbox(Path bwrap, List<Path> hidden, boolean network, List<Path> devices) {
        this.bwrap = bwrap;
        this.hidden = List.copyOf(hidden);
        this.network = network;
        this.devices = List.copyOf(devices);
    }

    /** The same sandbox, hiding these too. */
    public Sandbox hiding(Collection<Path> more) {
        List<Path> all = new ArrayList<>(hidden);
        all.addAll(more);
        return new Sandbox(bwrap, all, network, devices);
    }

    /**
     * Whether {@code process} is one of bubblewrap's own: a TERM would end it at once, and with it (it dies with its
     * parent) the trial, before the trial's own handler could save anything. The worker signals the trial instead.
     */
    boolean isBwrap(ProcessHandle process) {
        return process.info().command().map(Path::of).map(c -> c.getFileName().equals(bwrap.getFileName())).orElse(false);
    }

    public boolean network() {
        return network;
    }

    public List<Path> hidden() {
        return hidden;
    }

    /**
     * The command line that runs {@code command} in the sandbox: {@code checkpointDir} and {@code logDir} writable,
     * {@code restoreFrom} readable, started in {@code workDir} (the worker's own, read-only) unless that is hidden, then
     * in {@code checkpointDir}. The directories must exist.
     */
    public List<String> command(List<String> command, Path checkpointDir, Path logDir, Optional<Path> restoreFrom, Path workDir)
            throws IOException {
        List<String> args = new ArrayList<>(base());
        Path work = real(workDir).orElse(null);
        if (work != null) {
            args.addAll(List.of("--ro-bind", work.toString(), work.toString()));
        }
        boolean workHidden = false;
        List<Path> emptied = new ArrayList<>();
        for (Path h : hidden) {
            Optional<Path> path = real(h);
            if (path.isEmpty()) {
                continue;
            }
            Path p = path.get();
            workHidden |= work != null && work.startsWith(p);
            if (Files.isDirectory(p)) {
                emptied.add(p);
                args.addAll(List.of("--tmpfs", p.toString()));
            } else {
                args.addAll(List.of("--ro-bind", "/dev/null", p.toString()));
            }
        }
        Path checkpoint = checkpointDir.toRealPath();
        Path log = logDir.toRealPath();
        args.addAll(List.of("--bind", checkpoint.toString(), checkpoint.toString(), "--bind", log.toString(), log.toString()));
        Optional<Path> restore = restoreFrom.flatMap(Sandbox::real);
        restore.ifPresent(r -> args.addAll(List.of("--ro-bind", r.toString(), r.toString())));
        // Once the attempt's directories are in them: a write beside those fails rather than vanishing with the sandbox.
        for (Path p : emptied) {
            args.addAll(List.of("--remount-ro", p.toString()));
        }
        args.addAll(List.of("--chdir", (work == null || workHidden ? checkpoint : work).toString(), "--"));
        args.addAll(command);
        return args;
    }

    /** What every sandboxed command starts with: namespaces, the read-only system, and fresh /dev, /proc, /tmp, /run. */
    private List<String> base() {
        List<String> args = new ArrayList<>(List.of(bwrap.toString(), "--die-with-parent", "--new-session", "--unshare-pid",
                "--unshare-ipc", "--unshare-uts", "--cap-drop", "ALL"));
        if (!network) {
            args.add("--unshare-net");
        }
        args.addAll(List.of("--ro-bind", "/", "/", "--dev", "/dev"));
        for (Path d : devices) {
            args.addAll(List.of("--dev-bind", d.toString(), d.toString()));
        }
        args.addAll(List.of("--proc", "/proc"));
        for (String dir : PRIVATE_DIRS) {
            args.addAll(List.of("--tmpfs", dir));
        }
        // DNS: /etc/resolv.conf often links into /run (systemd-resolved), emptied above.
        real(Path.of("/etc/resolv.conf")).filter(r -> PRIVATE_DIRS.stream().anyMatch(d -> r.startsWith(d)))
                .ifPresent(r -> args.addAll(List.of("--ro-bind", r.toString(), r.toString())));
        return args;
    }

    /**
     * Why bwrap cannot run a command here (the last line it wrote, say a kernel without user namespaces), or empty when
     * it can: run once, at the worker's start, so that a worker that cannot sandbox its trials does not start.
     */
    public Optional<String> problem() {
        List<String> args = new ArrayList<>(base());
        args.addAll(List.of("--", "true"));
        try {
            Process p = new ProcessBuilder(args).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")))
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.of(bwrap + " did not run `true` within 30 s");
            }
            return p.exitValue() == 0 ? Optional.empty() : Optional.of(out.lines().filter(l -> !l.isBlank()).reduce((a, b) -> b)
                    .orElse(bwrap + " exited with " + p.exitValue()));
        } catch (IOException e) {
            return Optional.of("cannot run " + bwrap + ": " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.of("interrupted while trying " + bwrap);
        }
    }

    /** The bwrap program on {@code path} (a PATH value), if any. */
    public static Optional<Path> findBwrap(String path) {
        if (path == null) {
            return Optional.empty();
        }
        return Stream.of(path.split(":")).filter(d -> !d.isEmpty()).map(d -> Path.of(d, "bwrap"))
                .filter(Files::isExecutable).findFirst();
    }

    /** The GPU device files of this host, passed into the sandbox so that CUDA and ROCm work there. */
    public static List<Path> gpuDevices(Path dev) {
        try (Stream<Path> files = Files.list(dev)) {
            return files.filter(f -> GPU_DEVICE_PREFIXES.stream().anyMatch(p -> f.getFileName().toString().startsWith(p))).sorted().toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** The path with its links resolved, or empty when it does not exist. */
    private static Optional<Path> real(Path path) {
        try {
            return Optional.of(path.toAbsolutePath().toRealPath());
        } catch (IOException e) {
            return Optional.empty();
        }
    }

    @Override
    public String toString() {
        return "Sandbox[" + bwrap + ", network " + (network ? "shared" : "none") + ", hiding " + hidden + "]";
    }
}
