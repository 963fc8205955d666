package io.tunelog.domain.spec;

/**
 * What one attempt of a trial needs of a worker: {@code cpus} of its {@code --cpus} and {@code gpus} of its devices,
 * held for the attempt's whole run. A worker starts an attempt only when that much is free, and hands the attempt
 * exactly {@code gpus} devices of its own.
 */
public record Resources(int cpus, int gpus) {
    /** What a spec without {@code trial.resources} asks for: one CPU, no GPU, as every trial did before the field. */
    public static final Resources DEFAULT = new Resources(1, 0);

    public Resources {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1, found " + cpus);
        }
        if (gpus < 0) {
            throw new IllegalArgumentException("gpus must not be negative, found " + gpus);
        }
    }

    /** Whether a worker with this much in all could ever run an attempt that needs {@code need}. */
    public boolean covers(Resources need) {
        return cpus >= need.cpus && gpus >= need.gpus;
    }

    /** "2 CPUs and 1 GPU", for messages. */
    public String describe() {
        return count(cpus, "CPU") + " and " + count(gpus, "GPU");
    }

    private static String count(int n, String unit) {
        return n + " " + unit + (n == 1 ? "" : "s");
    }
}
