package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** What a worker hands a trial of its own environment, and what it agrees to run: pure functions of its options. */
class TrialPolicyTest {
    private static final Map<String, String> WORKER_ENV = new TreeMap<>(Map.ofEntries(
            Map.entry("PATH", "/usr/bin:/bin"),
            Map.entry("HOME", "/home/ana"),
            Map.entry("LANG", "C.UTF-8"),
            Map.entry("LC_ALL", "C.UTF-8"),
            Map.entry("LCX", "not a locale variable"),
            Map.entry("PATHX", "not PATH"),
            Map.entry("CUDA_VISIBLE_DEVICES", "0,1"),
            Map.entry("SLURM_JOB_ID", "4711"),
            Map.entry("JAVA_HOME", "/usr/lib/jvm/java-17"),
            Map.entry("AWS_SECRET_ACCESS_KEY", "secret"),
            Map.entry("HF_TOKEN", "hf_secret"),
            Map.entry("HF_HOME", "/scratch/hf"),
            Map.entry("WANDB_API_KEY", "wandb"),
            Map.entry("KAFKA_BOOTSTRAP_SERVERS", "kafka:9092"),
            Map.entry("KAFKA_SASL_JAAS_CONFIG", "password=secret"),
            Map.entry("TUNELOG_CLIENT_CONFIG", "/etc/tunelog/client.properties"),
            Map.entry("TUNELOG_STORAGE", "/shared/tunelog"),
            Map.entry("TUNELOG_CONFIG", "{\"stale\": true}")));

    @Test
    void shouldGiveATrialOnlyTheDefaultAllowListOfTheWorkersEnvironment() {
        Map<String, String> env = TrialPolicy.open().trialEnvironment(WORKER_ENV);

        assertThat(env).containsOnlyKeys("PATH", "HOME", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES", "SLURM_JOB_ID");
        assertThat(env).containsEntry("PATH", "/usr/bin:/bin").containsEntry("SLURM_JOB_ID", "4711");
    }

    @Test
    void shouldAddNamesAndPrefixesGivenWithTrialEnv() {
        TrialPolicy policy = new TrialPolicy(List.of("HF_*", "WANDB_API_KEY"), List.of(), List.of());

        assertThat(policy.trialEnvironment(WORKER_ENV)).containsOnlyKeys("PATH", "HOME", "LANG", "LC_ALL", "CUDA_VISIBLE_DEVICES",
                "SLURM_JOB_ID", "HF_TOKEN", "HF_HOME", "WANDB_API_KEY");
        assertThat(policy.trialEnv()).startsWith(TrialPolicy.DEFAULT_TRIAL_ENV.toArray(String[]::new)).endsWith("HF_*", "WANDB_API_KEY");
    }

    @Test
    void shouldNeverPassTheWorkersKafkaOrTunelogSettingsEvenToABroadPrefix() {
        TrialPolicy policy = new TrialPolicy(List.of("K*", "TUNE*"), List.of(), List.of());

        assertThat(policy.trialEnvironment(WORKER_ENV)).doesNotContainKeys("KAFKA_BOOTSTRAP_SERVERS", "KAFKA_SASL_JAAS_CONFIG",
                "TUNELOG_CLIENT_CONFIG", "TUNELOG_STORAGE", "TUNELOG_CONFIG");
        assertThat(policy.passes("KEY")).isTrue();
        assertThat(policy.passes("KAFKA_OPTS")).isFalse();
    }

    @ParameterizedTest
    @ValueSource(strings = {"KAFKA_SASL_JAAS_CONFIG", "KAFKA_*", "TUNELOG_CLIENT_CONFIG", "TUNELOG_*", "TUNELOG_S*"})
    void shouldRefuseToNameTheWorkersOwnSettings(String pattern) {
        assertThatThrownBy(() -> new TrialPolicy(List.of(pattern), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--trial-env " + pattern + ": the worker never passes")
                .hasMessageContaining(pattern.startsWith("K") ? "KAFKA_*" : "TUNELOG_*");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "HF*X", "A=B", "1ABC", "HF_* ", "**"})
    void shouldRefuseATrialEnvEntryThatIsNeitherANameNorAPrefix(String pattern) {
        assertThatThrownBy(() -> new TrialPolicy(List.of(pattern), List.of(), List.of()))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageStartingWith("--trial-env " + pattern + ": ");
    }

    @Test
    void shouldRefuseABareStarThatWouldPassEverything() {
        assertThatThrownBy(() -> new TrialPolicy(List.of("*"), List.of(), List.of()))
                .hasMessage("--trial-env *: a bare * would pass the worker's whole environment; name the variables or their prefix (like HF_*)");
    }

    @Test
    void shouldRunAnythingWithoutAnAllowList() {
        TrialPolicy open = TrialPolicy.open();

        assertThat(open.restricted()).isFalse();
        assertThat(open.refusal("w1", List.of("/bin/sh", "-c", "anything"), null)).isEmpty();
        assertThat(open.refusal("w1", List.of(), "com.example.Anything")).isEmpty();
    }

    @Test
    void shouldRunOnlyTheCommandsAsWrittenOnceGivenAnAllowList() {
        TrialPolicy policy = new TrialPolicy(List.of(), List.of("/usr/bin/python3", "/opt/train/bin/train"), List.of());

        assertThat(policy.refusal("w1", List.of("/usr/bin/python3", "train.py"), null)).isEmpty();
        assertThat(policy.refusal("w1", List.of("/bin/sh", "-c", "python3 train.py"), null))
                .contains("worker w1 does not run /bin/sh: not in its --allow-command list");
        assertThat(policy.refusal("w1", List.of("python3", "train.py"), null)).as("nothing is resolved")
                .contains("worker w1 does not run python3: not in its --allow-command list");
        assertThat(policy.refusal("w1", List.of("/usr/bin/../bin/python3"), null)).isPresent();
        assertThat(policy.refusal("w1", List.of(), "com.example.Train"))
                .contains("worker w1 does not run trainable com.example.Train: not in its --allow-trainable list "
                        + "(it has none; it runs only the programs of its --allow-command list)");
    }

    @Test
    void shouldRunOnlyTheTrainablesNamedOnceGivenAnAllowList() {
        TrialPolicy policy = new TrialPolicy(List.of(), List.of(), List.of("com.example.Train"));

        assertThat(policy.refusal("w1", List.of(), "com.example.Train")).isEmpty();
        assertThat(policy.refusal("w1", List.of(), "com.example.Other"))
                .contains("worker w1 does not run trainable com.example.Other: not in its --allow-trainable list");
        assertThat(policy.refusal("w1", List.of("/usr/bin/python3"), null))
                .contains("worker w1 does not run /usr/bin/python3: not in its --allow-command list "
                        + "(it has none; it runs only the trainables of its --allow-trainable list)");
    }

    @Test
    void shouldRefuseAnAllowListEntryThatNamesNothing() {
        assertThatThrownBy(() -> new TrialPolicy(List.of(), List.of(" "), List.of()))
                .hasMessage("--allow-command must name a program, got ' '");
        assertThatThrownBy(() -> new TrialPolicy(List.of(), List.of(), List.of("com.example.Train; rm")))
                .hasMessage("--allow-trainable com.example.Train; rm: not a Java class name (like com.example.MyTrainable)");
    }
}
