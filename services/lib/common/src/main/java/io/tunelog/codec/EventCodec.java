package io.tunelog.codec;

import io.tunelog.codec.AvroBytes.UndecodableRecord;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import java.time.Instant;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/** The one converter between the domain's events and their Avro form on the wire. */
public final class EventCodec {

    private EventCodec() {}

    public static byte[] encode(Event event) {
        return AvroBytes.encode(toAvro(event));
    }

    public static Event decode(byte[] bytes) throws UndecodableRecord {
        return fromAvro(AvroBytes.decode(io.tunelog.avro.Event.class, bytes));
    }

    public static io.tunelog.avro.Event toAvro(Event e) {
        return io.tunelog.avro.Event.newBuilder()
                .setEventId(e.eventId())
                .setExperimentId(e.experimentId())
                .setTrialId(e.trialId())
                .setSequence(e.sequence())
                .setTimestamp(e.timestamp())
                .setSource(new io.tunelog.avro.Source(e.source().service(), e.source().instance()))
                .setBasis(e.basis())
                .setBasisAhead(e.basisAhead())
                .setPayload(payloadToAvro(e.payload()))
                .build();
    }

    public static Event fromAvro(io.tunelog.avro.Event a) {
        return new Event(a.getEventId(), a.getExperimentId(), a.getTrialId(), a.getSequence(), a.getTimestamp(),
                new Event.Source(a.getSource().getService(), a.getSource().getInstance()), a.getBasis(), a.getBasisAhead(),
                payloadFromAvro(a.getPayload()));
    }

    /** Avro form of a payload; the same records appear inside worker reports. */
    public static Object payloadToAvro(EventPayload payload) {
        if (payload instanceof EventPayload.ExperimentSubmitted p) {
            return new io.tunelog.avro.ExperimentSubmitted(p.name(), p.specJson(), p.seed(), p.submittedBy());
        } else if (payload instanceof EventPayload.ExperimentCancelled p) {
            return new io.tunelog.avro.ExperimentCancelled(p.reason(), p.cancelledBy());
        } else if (payload instanceof EventPayload.ExperimentCompleted p) {
            return new io.tunelog.avro.ExperimentCompleted(p.reason(), p.bestTrialId(), p.bestMetric(), p.condition(), sorted(p.inputs()));
        } else if (payload instanceof EventPayload.TrialCreated p) {
            return new io.tunelog.avro.TrialCreated(sorted(p.config()), p.origin(), p.index());
        } else if (payload instanceof EventPayload.TrialQueued p) {
            return new io.tunelog.avro.TrialQueued(p.attempt(), p.restoreFromCheckpointId(), p.restoreFromUri());
        } else if (payload instanceof EventPayload.TrialStarted p) {
            return new io.tunelog.avro.TrialStarted(p.attempt(), p.workerId(), p.host(), p.slurmJobId(), p.devices());
        } else if (payload instanceof EventPayload.TrialReported p) {
            return new io.tunelog.avro.TrialReported(p.attempt(), p.step(), sorted(p.metrics()), p.workerTimeMs(), p.heldMs());
        } else if (payload instanceof EventPayload.CheckpointRegistered p) {
            return new io.tunelog.avro.CheckpointRegistered(p.attempt(), p.checkpointId(), p.step(), p.uri(), p.sizeBytes(), sorted(p.metrics()));
        } else if (payload instanceof EventPayload.CheckpointDeleted p) {
            return new io.tunelog.avro.CheckpointDeleted(p.checkpointId(), p.reason());
        } else if (payload instanceof EventPayload.TrialDecision p) {
            return new io.tunelog.avro.TrialDecision(p.attempt(), io.tunelog.avro.TrialAction.valueOf(p.action().name()), p.rule(), p.reason(),
                    p.rung(), sorted(p.inputs()));
        } else if (payload instanceof EventPayload.TrialExploited p) {
            return new io.tunelog.avro.TrialExploited(p.attempt(), p.donorTrialId(), p.checkpointId(), sorted(p.config()));
        } else if (payload instanceof EventPayload.TrialCompleted p) {
            return new io.tunelog.avro.TrialCompleted(p.attempt(), sorted(p.metrics()));
        } else if (payload instanceof EventPayload.TrialFailed p) {
            return new io.tunelog.avro.TrialFailed(p.attempt(), p.error(), p.retryable(), p.preempted());
        } else if (payload instanceof EventPayload.TrialPlacement p) {
            return new io.tunelog.avro.TrialPlacement(p.attempt(), p.placeable(), p.reason());
        } else if (payload instanceof EventPayload.TimeObserved p) {
            return new io.tunelog.avro.TimeObserved(Instant.ofEpochMilli(p.at()), p.deadline(), Instant.ofEpochMilli(p.due()));
        } else if (payload instanceof EventPayload.ObservationImported p) {
            return new io.tunelog.avro.ObservationImported(p.fromExperiment(), p.fromTrial(), sorted(p.config()), sorted(p.metrics()));
        } else if (payload instanceof EventPayload.TrialEnqueued p) {
            return new io.tunelog.avro.TrialEnqueued(sorted(p.config()), p.requestedBy());
        }
        throw new IllegalArgumentException("unknown payload " + payload.getClass().getName());
    }

    public static EventPayload payloadFromAvro(Object avro) {
        if (avro instanceof io.tunelog.avro.ExperimentSubmitted p) {
            return new EventPayload.ExperimentSubmitted(p.getName(), p.getSpecJson(), p.getSeed(), p.getSubmittedBy());
        } else if (avro instanceof io.tunelog.avro.ExperimentCancelled p) {
            return new EventPayload.ExperimentCancelled(p.getReason(), p.getCancelledBy());
        } else if (avro instanceof io.tunelog.avro.ExperimentCompleted p) {
            return new EventPayload.ExperimentCompleted(p.getReason(), p.getBestTrialId(), p.getBestMetric(), p.getCondition(),
                    named(p.getInputs()));
        } else if (avro instanceof io.tunelog.avro.TrialCreated p) {
            return new EventPayload.TrialCreated(new HashMap<>(p.getConfig()), p.getOrigin(), p.getIndex());
        } else if (avro instanceof io.tunelog.avro.TrialQueued p) {
            return new EventPayload.TrialQueued(p.getAttempt(), p.getRestoreFromCheckpointId(), p.getRestoreFromUri());
        } else if (avro instanceof io.tunelog.avro.TrialStarted p) {
            return new EventPayload.TrialStarted(p.getAttempt(), p.getWorkerId(), p.getHost(), p.getSlurmJobId(), p.getDevices());
        } else if (avro instanceof io.tunelog.avro.TrialReported p) {
            return new EventPayload.TrialReported(p.getAttempt(), p.getStep(), named(p.getMetrics()), p.getWorkerTimeMs(), p.getHeldMs());
        } else if (avro instanceof io.tunelog.avro.CheckpointRegistered p) {
            return new EventPayload.CheckpointRegistered(p.getAttempt(), p.getCheckpointId(), p.getStep(), p.getUri(), p.getSizeBytes(), named(p.getMetrics()));
        } else if (avro instanceof io.tunelog.avro.CheckpointDeleted p) {
            return new EventPayload.CheckpointDeleted(p.getCheckpointId(), p.getReason());
        } else if (avro instanceof io.tunelog.avro.TrialDecision p) {
            return new EventPayload.TrialDecision(p.getAttempt(), EventPayload.Action.valueOf(p.getAction().name()), p.getRule(), p.getReason(),
                    p.getRung(), named(p.getInputs()));
        } else if (avro instanceof io.tunelog.avro.TrialExploited p) {
            return new EventPayload.TrialExploited(p.getAttempt(), p.getDonorTrialId(), p.getCheckpointId(), new HashMap<>(p.getConfig()));
        } else if (avro instanceof io.tunelog.avro.TrialCompleted p) {
            return new EventPayload.TrialCompleted(p.getAttempt(), named(p.getMetrics()));
        } else if (avro instanceof io.tunelog.avro.TrialFailed p) {
            return new EventPayload.TrialFailed(p.getAttempt(), p.getError(), p.getRetryable(), p.getPreempted());
        } else if (avro instanceof io.tunelog.avro.TrialPlacement p) {
            return new EventPayload.TrialPlacement(p.getAttempt(), p.getPlaceable(), p.getReason());
        } else if (avro instanceof io.tunelog.avro.TimeObserved p) {
            return new EventPayload.TimeObserved(p.getAt().toEpochMilli(), p.getDeadline(), p.getDue().toEpochMilli());
        } else if (avro instanceof io.tunelog.avro.ObservationImported p) {
            return new EventPayload.ObservationImported(p.getFromExperiment(), p.getFromTrial(), new HashMap<>(p.getConfig()),
                    named(p.getMetrics()));
        } else if (avro instanceof io.tunelog.avro.TrialEnqueued p) {
            return new EventPayload.TrialEnqueued(new HashMap<>(p.getConfig()), p.getRequestedBy());
        }
        throw new IllegalArgumentException("not an event payload: " + avro.getClass().getName());
    }

    /** Maps are written in key order so that equal events encode to equal bytes. */
    private static <V> Map<String, V> sorted(Map<String, V> map) {
        return new LinkedHashMap<>(new TreeMap<>(map));
    }

    /**
     * The same metrics with interned names. Every report repeats the same few names; a replayed
     * million-event log would otherwise hold two million copies of them (125 MB, measured).
     */
    private static Map<String, Double> named(Map<String, Double> metrics) {
        Map<String, Double> named = new HashMap<>(metrics.size() * 2);
        metrics.forEach((name, value) -> named.put(name.intern(), value));
        return named;
    }
}
