package io.tunelog.domain.state;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EventIdSetTest {

    @Test
    void shouldAgreeWithAHashSetOnManyIdsAcrossGrowth() {
        EventIdSet ids = new EventIdSet();
        Set<String> reference = new HashSet<>();
        Random random = new Random(7);
        for (int i = 0; i < 200_000; i++) {
            // Ids like the services', plus repeats, so both answers of add() are exercised.
            String id = "exp-" + random.nextInt(3) + "/trial-" + random.nextInt(5_000) + "/a1/step-" + random.nextInt(40);
            assertThat(ids.add(id)).as(id).isEqualTo(reference.add(id));
        }
        assertThat(ids.size()).isEqualTo(reference.size());
        for (String id : reference) {
            assertThat(ids.contains(id)).as(id).isTrue();
        }
        assertThat(ids.contains("exp-0/trial-5000/a1/step-0")).isFalse();
        assertThat(ids.contains("")).isFalse();
    }
}
