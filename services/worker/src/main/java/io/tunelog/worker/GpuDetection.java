package io.tunelog.worker;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which GPUs a worker has when {@code --gpus} does not say: the ids in {@code CUDA_VISIBLE_DEVICES}, else those Slurm
 * gave the step or the job ({@code SLURM_STEP_GPUS}, {@code SLURM_JOB_GPUS}), else what {@code nvidia-smi -L} lists,
 * else none. Pure: the caller passes the environment and how to run {@code nvidia-smi}.
 *
 * <p>{@code CUDA_VISIBLE_DEVICES} comes first because it is how the devices are named to CUDA in this process: Slurm
 * sets it when it confines a job's devices (and then numbers them from 0, while its {@code SLURM_JOB_GPUS} keeps the
 * node's numbers). Set, even empty, it is the answer: an empty one means no GPU.
 */
public final class GpuDetection {
    private static final Pattern NVIDIA_SMI_GPU = Pattern.compile("^GPU (\\d+):");
    private static final Pattern RANGE = Pattern.compile("(\\d+)-(\\d+)");
    /** More devices than any node has: a range past it is a typo, not a machine. */
    private static final int MAX_DEVICES = 1024;

    /** The devices found and where they were found ({@code --gpus}, an environment variable, {@code nvidia-smi -L} or none). */
    public record Found(List<String> devices, String source) {}

    private GpuDetection() {}

    /**
     * @param nvidiaSmi the output of {@code nvidia-smi -L}, empty when it is not installed or failed
     * @throws IllegalArgumentException naming the variable, for a value that is not a list of device ids
     */
    public static Found detect(Map<String, String> env, Supplier<Optional<String>> nvidiaSmi) {
        for (String variable : List.of("CUDA_VISIBLE_DEVICES", "SLURM_STEP_GPUS", "SLURM_JOB_GPUS")) {
            String value = env.get(variable);
            if (value != null) {
                try {
                    return new Found(parse(value), variable);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException(variable + "=" + value + ": " + e.getMessage());
                }
            }
        }
        return nvidiaSmi.get().map(out -> new Found(fromNvidiaSmi(out), "nvidia-smi -L")).orElse(new Found(List.of(), "no CUDA_VISIBLE_DEVICES, SLURM_*_GPUS or nvidia-smi"));
    }

    /**
     * A list of device ids as CUDA, Slurm and {@code --gpus} write them: {@code 0,1,3}, ranges {@code 0-3}, or ids such as
     * {@code GPU-5c1e...} and {@code MIG-...}. Empty, {@code none}, {@code NoDevFiles} (Slurm's word for none) and {@code -1}
     * (CUDA's idiom for hiding every device) mean no device.
     *
     * @throws IllegalArgumentException for an empty entry, an id given twice, or a backwards range
     */
    public static List<String> parse(String list) {
        String trimmed = list.strip();
        if (trimmed.isEmpty() || trimmed.equals("none") || trimmed.equals("NoDevFiles") || trimmed.equals("-1")) {
            return List.of();
        }
        LinkedHashSet<String> ids = new LinkedHashSet<>();
        for (String entry : trimmed.split(",", -1)) {
            String id = entry.strip();
            if (id.isEmpty()) {
                throw new IllegalArgumentException("expected device ids separated by commas, found an empty one in '" + list + "'");
            }
            for (String one : expand(id)) {
                if (!ids.add(one)) {
                    throw new IllegalArgumentException("device " + one + " is given twice");
                }
            }
        }
        return List.copyOf(ids);
    }

    private static List<String> expand(String id) {
        Matcher range = RANGE.matcher(id);
        if (!range.matches()) {
            return List.of(id);
        }
        long from = Long.parseLong(range.group(1));
        long to = Long.parseLong(range.group(2));
        if (to < from || to - from >= MAX_DEVICES) {
            throw new IllegalArgumentException("expected a range low-high of at most " + MAX_DEVICES + " devices, found " + id);
        }
        List<String> ids = new ArrayList<>();
        for (long i = from; i <= to; i++) {
            ids.add(Long.toString(i));
        }
        return ids;
    }

    /** The GPU indices of {@code nvidia-smi -L} ("GPU 0: NVIDIA A100 (UUID: ...)"); MIG instances below a GPU are not listed on their own. */
    static List<String> fromNvidiaSmi(String output) {
        List<String> ids = new ArrayList<>();
        for (String line : output.split("\n")) {
            Matcher m = NVIDIA_SMI_GPU.matcher(line);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        return List.copyOf(ids);
    }
}
