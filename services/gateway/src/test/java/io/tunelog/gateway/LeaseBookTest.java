package io.tunelog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The gateway's leases: what keeps an attempt alive, and for how long. */
class LeaseBookTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Duration TERM = Duration.ofSeconds(30);
    private final AtomicInteger ids = new AtomicInteger();
    private final LeaseBook book = new LeaseBook(() -> "id-%012d".formatted(ids.incrementAndGet()));

    @Test
    void shouldLetOnlyOneLeaseTakeAnAttemptWhileItIsAlive() {
        Lease lease = book.claim("e", "trial-00000", 1, TERM, T0).orElseThrow();
        assertThat(lease.workerId()).startsWith("http-").isNotEqualTo(lease.leaseId());
        assertThat(lease.attemptKey()).isEqualTo("e/trial-00000/1");
        assertThat(book.claim("e", "trial-00000", 1, TERM, T0)).isEmpty();
        assertThat(book.claim("e", "trial-00000", 2, TERM, T0)).as("the next attempt").isPresent();

        book.end(lease);
        assertThat(book.claim("e", "trial-00000", 1, TERM, T0)).as("once its start was refused or it ended").isPresent();
    }

    @Test
    void shouldStopHeartbeatingALeaseOnceItsTermPassesWithoutACallAndResumeWhenCalled() {
        Lease lease = book.claim("e", "trial-00000", 1, TERM, T0).orElseThrow();
        assertThat(book.alive(T0.plusSeconds(30))).containsExactly(lease);
        assertThat(book.alive(T0.plusSeconds(31))).as("lapsed").isEmpty();

        Lease revived = book.extend(lease, T0.plusSeconds(35));
        assertThat(revived.expiresAt()).isEqualTo(T0.plusSeconds(65));
        assertThat(revived.lapsedAt()).isEqualTo(T0.plusSeconds(30));
        assertThat(book.alive(T0.plusSeconds(40))).extracting(Lease::leaseId).containsExactly(lease.leaseId());

        book.end(revived);
        assertThat(book.alive(T0.plusSeconds(40))).as("ended: nothing to keep alive").isEmpty();
    }

    @Test
    void shouldFindALeaseOnlyUnderItsOwnExperimentAndForgetItAnHourAfterItLapsed() {
        Lease lease = book.claim("e", "trial-00000", 1, TERM, T0).orElseThrow();
        assertThat(book.find("e", lease.leaseId())).isPresent();
        assertThat(book.find("other", lease.leaseId())).isEmpty();

        book.forgetOld(T0.plus(TERM).plus(LeaseBook.KEPT_AFTER_LAPSE));
        assertThat(book.find("e", lease.leaseId())).as("kept for late callers").isPresent();
        book.forgetOld(T0.plus(TERM).plus(LeaseBook.KEPT_AFTER_LAPSE).plusSeconds(1));
        assertThat(book.find("e", lease.leaseId())).isEmpty();
        assertThat(book.size()).isZero();
    }
}
