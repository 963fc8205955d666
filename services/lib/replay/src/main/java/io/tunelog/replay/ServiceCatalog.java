package io.tunelog.replay;

import io.tunelog.domain.decide.Decider;
import io.tunelog.registry.RegistryService;
import io.tunelog.scheduler.SchedulingService;
import io.tunelog.service.ServiceLogic;
import io.tunelog.suggestion.SuggestionService;
import io.tunelog.registry.storage.CheckpointStores;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Set;
import java.util.Map;
import java.util.function.Supplier;

/** Every service by name: what `tunelog services` runs, and whose deciders the audit re-runs. */
public final class ServiceCatalog {
    private ServiceCatalog() {}

    /** Service names, in start order. */
    public static Set<String> names() {
        return services(new CheckpointStores(List.of())).keySet();
    }

    /**
     * Service logics by name, in start order.
     *
     * @param checkpointStores where the registry removes deleted checkpoints from
     */
    public static Map<String, Supplier<ServiceLogic>> services(CheckpointStores checkpointStores) {
        Map<String, Supplier<ServiceLogic>> services = new LinkedHashMap<>();
        services.put("scheduler", SchedulingService::new);
        services.put("suggestion", SuggestionService::new);
        services.put("registry", () -> new RegistryService(checkpointStores));
        return Collections.unmodifiableMap(services);
    }

    /**
     * The sources of the events one service's loop folds as it writes them (see {@link ServiceLogic#writtenAhead}):
     * a decision of that service that names events past its basis was made on the log in that writer's order.
     */
    public static Set<String> writtenAhead() {
        Set<String> sources = new java.util.HashSet<>();
        services(new CheckpointStores(List.of())).values().forEach(s -> sources.addAll(s.get().writtenAhead()));
        return Set.copyOf(sources);
    }

    /** Each service's decider, by the service name it writes as the source of its decisions. */
    public static Map<String, Decider> deciders() {
        Map<String, Decider> deciders = new LinkedHashMap<>();
        // Deciders touch no storage: a catalog without stores gives the same ones.
        services(new CheckpointStores(List.of())).values().forEach(s -> {
            Decider d = s.get().decider();
            deciders.put(d.service(), d);
        });
        return deciders;
    }
}
