package io.tunelog.worker;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * What a worker has ({@code --cpus} and the devices of {@code --gpus}) and what of it is free. An attempt takes its
 * trial's CPUs and that many devices, the first free ones in the order the worker lists them, and gives them back when
 * it ends; no device is ever held by two attempts at once. Thread-safe: attempts end on their own threads.
 */
final class ResourcePool {
    /** CPUs and devices one attempt holds. */
    record Grant(int cpus, List<String> devices) {}

    private final int cpus;
    private final List<String> devices;
    private int freeCpus;
    private final Set<String> busy = new LinkedHashSet<>();
    private long given;

    ResourcePool(int cpus, List<String> devices) {
        if (cpus < 1) {
            throw new IllegalArgumentException("cpus must be at least 1, found " + cpus);
        }
        if (new LinkedHashSet<>(devices).size() != devices.size()) {
            throw new IllegalArgumentException("a device is listed twice in " + devices);
        }
        this.cpus = cpus;
        this.devices = List.copyOf(devices);
        this.freeCpus = cpus;
    }

    int cpus() {
        return cpus;
    }

    List<String> devices() {
        return devices;
    }

    /** Whether an attempt needing this much could ever run here, however busy the worker is now. */
    boolean fits(int needCpus, int needGpus) {
        return needCpus <= cpus && needGpus <= devices.size();
    }

    /** This much, if it is free now. */
    synchronized Optional<Grant> take(int needCpus, int needGpus) {
        if (needCpus > freeCpus || needGpus > devices.size() - busy.size()) {
            return Optional.empty();
        }
        List<String> given = new ArrayList<>(needGpus);
        for (int i = 0; i < devices.size() && given.size() < needGpus; i++) {
            if (!busy.contains(devices.get(i))) {
                given.add(devices.get(i));
            }
        }
        busy.addAll(given);
        freeCpus -= needCpus;
        return Optional.of(new Grant(needCpus, List.copyOf(given)));
    }

    synchronized void give(Grant grant) {
        if (!busy.containsAll(grant.devices()) || freeCpus + grant.cpus() > cpus) {
            throw new IllegalStateException("giving back " + grant + ", which was not taken");
        }
        grant.devices().forEach(busy::remove);
        freeCpus += grant.cpus();
        given++;
        notifyAll();
    }

    /** How many grants have been given back so far: a change means resources freed up. */
    synchronized long given() {
        return given;
    }

    /** Waits until something is given back, or for {@code millis}. */
    synchronized void awaitGiven(long millis) throws InterruptedException {
        wait(millis);
    }

    synchronized int freeCpus() {
        return freeCpus;
    }

    synchronized int freeGpus() {
        return devices.size() - busy.size();
    }
}
