package io.tunelog.cli;

import io.tunelog.domain.spec.Resources;
import io.tunelog.domain.spec.SpecException;
import java.util.ArrayList;
import java.util.List;

/**
 * The workers `tunelog run` starts on this machine: each sized for one trial of the spec at a time (its CPUs, and its
 * GPUs out of this machine's, no device given to two workers), as many as asked for and the GPUs allow. Pure.
 */
record LocalWorkers(int cpus, List<List<String>> devices) {

    int count() {
        return devices.size();
    }

    /**
     * @param wanted  how many workers were asked for (the spec's concurrency, or --workers)
     * @param gpus    this machine's GPUs, and where they were found, for the message
     * @throws SpecException naming {@code trial.resources.gpus} when not even one worker could run a trial
     */
    static LocalWorkers plan(Resources need, int wanted, List<String> gpus, String foundIn) {
        if (need.gpus() > gpus.size()) {
            String have = gpus.isEmpty() ? "none" : String.join(",", gpus);
            throw new SpecException("trial.resources.gpus", "expected at most " + gpus.size() + ", the GPUs of the workers tunelog run "
                    + "starts: " + have + " (" + foundIn + "; --gpus names others), found " + need.gpus());
        }
        int workers = need.gpus() == 0 ? wanted : Math.min(wanted, gpus.size() / need.gpus());
        List<List<String>> devices = new ArrayList<>();
        for (int i = 0; i < workers; i++) {
            devices.add(List.copyOf(gpus.subList(i * need.gpus(), (i + 1) * need.gpus())));
        }
        return new LocalWorkers(need.cpus(), devices);
    }
}
