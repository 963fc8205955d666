package io.tunelog.replay;

import io.tunelog.domain.decide.Decider;
import io.tunelog.registry.RegistryService;
import io.tunelog.scheduler.SchedulingService;
import io.tunelog.service.ServiceLogic;
import io.tunelog.suggestion.SuggestionService;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** Every service by name: what `tunelog services` runs, and whose deciders the audit re-runs. */
public final class ServiceCatalog {
    private static final Map<String, Supplier<ServiceLogic>> SERVICES = new LinkedHashMap<>();

    static {
        SERVICES.put("scheduler", SchedulingService::new);
        SERVICES.put("suggestion", SuggestionService::new);
        SERVICES.put("registry", RegistryService::new);
    }

    private ServiceCatalog() {}

    /** Service logics by name, in start order. */
    public static Map<String, Supplier<ServiceLogic>> services() {
        return java.util.Collections.unmodifiableMap(SERVICES);
    }

    /** Each service's decider, by the service name it writes as the source of its decisions. */
    public static Map<String, Decider> deciders() {
        Map<String, Decider> deciders = new LinkedHashMap<>();
        SERVICES.values().forEach(s -> {
            Decider d = s.get().decider();
            deciders.put(d.service(), d);
        });
        return deciders;
    }
}
