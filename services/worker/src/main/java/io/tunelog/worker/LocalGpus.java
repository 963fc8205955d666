package io.tunelog.worker;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** The GPUs of this process ({@link GpuDetection} over its environment), running {@code nvidia-smi -L} only where it is installed. */
public final class LocalGpus {
    private LocalGpus() {}

    /** @throws IllegalArgumentException naming the variable, when one holds something that is not a list of device ids */
    public static GpuDetection.Found detect() {
        return GpuDetection.detect(System.getenv(), LocalGpus::nvidiaSmi);
    }

    /** The output of {@code nvidia-smi -L}, or empty when it is not on the PATH, fails, or takes more than 10 s. */
    static Optional<String> nvidiaSmi() {
        String path = System.getenv("PATH");
        if (path == null) {
            return Optional.empty();
        }
        boolean installed = false;
        for (String dir : path.split(File.pathSeparator)) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "nvidia-smi"))) {
                installed = true;
                break;
            }
        }
        if (!installed) {
            return Optional.empty();
        }
        try {
            Process p = new ProcessBuilder("nvidia-smi", "-L").redirectErrorStream(true).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(10, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return Optional.empty();
            }
            return p.exitValue() == 0 ? Optional.of(new String(out, StandardCharsets.UTF_8)) : Optional.empty();
        } catch (IOException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }
}
