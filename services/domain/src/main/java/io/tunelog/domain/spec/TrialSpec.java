package io.tunelog.domain.spec;

import java.util.List;

/**
 * How to run one trial: either a child process ({@code command}, an argument list, never a shell
 * string) or a JVM class implementing the worker's Trainable ({@code trainable}). Exactly one is set.
 */
public record TrialSpec(List<String> command, String trainable, int maxFailures, CheckpointSpec checkpoint) {

    public TrialSpec {
        command = command == null ? List.of() : List.copyOf(command);
    }
}
