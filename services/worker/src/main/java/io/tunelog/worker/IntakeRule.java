package io.tunelog.worker;

import java.time.Duration;

/**
 * What a worker does with an assignment it took from the queue and has not started. Pure.
 *
 * <p>The queue (a Kafka share group) counts every hand-back as a delivery and archives an assignment past its delivery
 * limit, so an assignment must never be handed back at its last delivery. One delivery short of it, the worker returns it
 * to the gate instead (a preempted failure of the queued attempt, which the scheduler queues again as a new assignment,
 * unless the gate has seen that no live worker fits it): the last delivery stays in reserve for a worker that dies while
 * it has the assignment, whose lock then ends and gives the next taker the chance to return it. Below that, one this
 * worker could never run goes back at once, for a worker that can; one it could run once its trials end waits here for
 * {@code hold}, then goes back for another worker that may be free sooner.
 */
final class IntakeRule {
    enum Action {
        /** Its resources are free: run it. */
        START,
        /** It fits this worker, not yet: keep it for now. */
        HOLD,
        /** Release it to the queue for another worker (one delivery spent). */
        HAND_BACK,
        /** One delivery short of the queue's limit: hand the attempt back to the gate, to be queued again. */
        RETURN
    }

    private IntakeRule() {}

    /**
     * @param started   whether its resources were free and have been taken for it
     * @param fits      whether it could ever run on this worker
     * @param delivery  how many times the queue has delivered it, this one included
     * @param heldFor   how long this worker has kept it
     */
    static Action decide(boolean started, boolean fits, int delivery, int deliveryLimit, Duration heldFor, Duration hold) {
        if (started) {
            return Action.START;
        }
        if (delivery >= deliveryLimit - 1) {
            return Action.RETURN;
        }
        return fits && heldFor.compareTo(hold) < 0 ? Action.HOLD : Action.HAND_BACK;
    }
}
