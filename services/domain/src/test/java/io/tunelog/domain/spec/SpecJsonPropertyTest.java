package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The log stores specs as canonical JSON: reading that JSON back must give the very same spec, for
 * any spec. Specs are generated from a fixed seed, so a failure names a spec that reproduces.
 */
class SpecJsonPropertyTest {
    private static final int TRIES = 500;

    @Test
    void canonicalJsonReadsBackToTheSameSpec() {
        Random random = new Random(20261128L);
        for (int i = 0; i < TRIES; i++) {
            ExperimentSpec spec = randomSpec(random);
            String json = SpecJson.toJson(spec);
            assertThat(SpecParser.parse(json)).as("spec #%d: %s", i, json).isEqualTo(spec);
        }
    }

    static ExperimentSpec randomSpec(Random r) {
        Map<String, ParamDomain> space = new LinkedHashMap<>();
        int params = 1 + r.nextInt(5);
        for (int p = 0; p < params; p++) {
            space.put("p" + p + "_" + (char) ('a' + r.nextInt(26)), randomDomain(r));
        }
        boolean command = r.nextBoolean();
        TrialSpec trial = new TrialSpec(command ? List.of("python3", "train.py", "--x=" + r.nextInt(9)) : List.of(),
                command ? null : "com.example.Trainable" + r.nextInt(9), r.nextInt(5),
                new CheckpointSpec(1 + r.nextInt(4), r.nextBoolean() ? "acc" : null, r.nextBoolean() ? Mode.MIN : Mode.MAX));
        return new ExperimentSpec("exp-" + r.nextInt(1000), new Metric("m" + r.nextInt(3), r.nextBoolean() ? Mode.MIN : Mode.MAX),
                r.nextLong(), new Budget(1 + r.nextInt(1000), 1 + r.nextInt(64)), new SearchSpace(space),
                new SearcherSpec("random", Map.of()), new SchedulerSpec("fifo", Map.of()), trial);
    }

    private static ParamDomain randomDomain(Random r) {
        switch (r.nextInt(5)) {
            case 0: {
                double low = (r.nextDouble() - 0.5) * 2e6;
                return new ParamDomain.Uniform(low, low + 1e-9 + r.nextDouble() * 1e6);
            }
            case 1: {
                double low = 1e-9 + r.nextDouble() * 1e3;
                return new ParamDomain.LogUniform(low, low * (1.001 + r.nextDouble() * 1e3));
            }
            case 2: {
                long low = r.nextInt(2001) - 1000;
                return new ParamDomain.RandInt(low, low + 1 + r.nextInt(1000));
            }
            case 3:
                return new ParamDomain.Choice(randomValues(r));
            default:
                return new ParamDomain.Grid(randomValues(r));
        }
    }

    private static List<Object> randomValues(Random r) {
        LinkedHashSet<Object> values = new LinkedHashSet<>();
        int n = 1 + r.nextInt(5);
        while (values.size() < n) {
            switch (r.nextInt(4)) {
                case 0 -> values.add("v" + r.nextInt(100));
                case 1 -> values.add(r.nextLong());
                case 2 -> values.add((r.nextDouble() - 0.5) * 1e6);
                default -> values.add(r.nextBoolean());
            }
        }
        return new ArrayList<>(values);
    }
}
