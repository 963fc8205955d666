package io.tunelog.worker;

import java.util.List;
import java.util.Map;

/**
 * The variables that tell a trial's libraries which devices it may use, set to exactly the attempt's devices: CUDA's,
 * the NVIDIA container runtime's, and ROCm's two. Set even when the attempt has none (empty), so that a trial never
 * sees the worker's whole list through the environment it inherits.
 */
final class DeviceEnvironment {
    static final List<String> VARIABLES = List.of("CUDA_VISIBLE_DEVICES", "NVIDIA_VISIBLE_DEVICES", "HIP_VISIBLE_DEVICES",
            "ROCR_VISIBLE_DEVICES");

    private DeviceEnvironment() {}

    static void apply(Map<String, String> env, List<String> devices) {
        String list = String.join(",", devices);
        VARIABLES.forEach(name -> env.put(name, list));
    }
}
