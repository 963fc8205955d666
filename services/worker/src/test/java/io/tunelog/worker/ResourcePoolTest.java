package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class ResourcePoolTest {
    @Test
    void shouldGiveTheFirstFreeDevicesInTheWorkersOrderAndTakeThemBack() {
        ResourcePool pool = new ResourcePool(4, List.of("0", "1", "2", "3"));

        ResourcePool.Grant a = pool.take(1, 1).orElseThrow();
        ResourcePool.Grant b = pool.take(1, 2).orElseThrow();
        assertThat(a.devices()).containsExactly("0");
        assertThat(b.devices()).containsExactly("1", "2");
        assertThat(pool.take(1, 2)).as("one device left").isEmpty();

        pool.give(a);
        assertThat(pool.take(1, 2).orElseThrow().devices()).containsExactly("0", "3");
        assertThat(pool.freeGpus()).isZero();
    }

    @Test
    void shouldStartNothingBeyondItsCpusEvenWithDevicesFree() {
        ResourcePool pool = new ResourcePool(2, List.of("0", "1", "2", "3"));

        assertThat(pool.take(2, 0)).isPresent();
        assertThat(pool.take(1, 1)).isEmpty();
        assertThat(pool.freeCpus()).isZero();
        assertThat(pool.freeGpus()).isEqualTo(4);
    }

    @Test
    void shouldTellWhatCouldEverRunHereFromWhatItHasNotWhatIsFree() {
        ResourcePool pool = new ResourcePool(4, List.of("0", "1"));
        pool.take(4, 2).orElseThrow();

        assertThat(pool.fits(1, 2)).isTrue();
        assertThat(pool.fits(1, 3)).isFalse();
        assertThat(pool.fits(5, 0)).isFalse();
        assertThat(new ResourcePool(1, List.of()).fits(1, 1)).isFalse();
    }

    @Test
    void shouldNeverGiveOneDeviceToTwoHoldersWhateverTheOrderOfTakingAndGiving() {
        for (long seed = 0; seed < 200; seed++) {
            Random random = new Random(seed);
            ResourcePool pool = new ResourcePool(6, List.of("a", "b", "c", "d"));
            List<ResourcePool.Grant> held = new ArrayList<>();
            for (int step = 0; step < 200; step++) {
                if (!held.isEmpty() && random.nextBoolean()) {
                    pool.give(held.remove(random.nextInt(held.size())));
                } else {
                    Optional<ResourcePool.Grant> g = pool.take(1 + random.nextInt(2), random.nextInt(3));
                    g.ifPresent(held::add);
                }
                Set<String> busy = new HashSet<>();
                int cpus = 0;
                for (ResourcePool.Grant g : held) {
                    cpus += g.cpus();
                    for (String d : g.devices()) {
                        assertThat(busy.add(d)).as("seed %d: device %s held twice", seed, d).isTrue();
                    }
                }
                assertThat(cpus).as("seed %d", seed).isLessThanOrEqualTo(6).isEqualTo(6 - pool.freeCpus());
                assertThat(busy).hasSize(4 - pool.freeGpus());
            }
        }
    }

    @Test
    void shouldRefuseADeviceListedTwiceOrAGrantNotTaken() {
        assertThatThrownBy(() -> new ResourcePool(1, List.of("0", "0"))).hasMessageContaining("listed twice");
        ResourcePool pool = new ResourcePool(2, List.of("0"));
        assertThatThrownBy(() -> pool.give(new ResourcePool.Grant(1, List.of("0")))).isInstanceOf(IllegalStateException.class);
    }
}
