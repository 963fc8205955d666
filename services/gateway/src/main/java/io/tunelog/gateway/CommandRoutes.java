package io.tunelog.gateway;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.tunelog.avro.CancelExperiment;
import io.tunelog.avro.EnqueueTrial;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.codec.AvroBytes;
import io.tunelog.domain.event.Event;
import io.tunelog.domain.event.EventPayload;
import io.tunelog.domain.spec.ConfigCheck;
import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.domain.state.Admission;
import io.tunelog.domain.state.ExperimentState;
import io.tunelog.http.HttpSecurity;
import io.tunelog.http.JsonResponses;
import io.tunelog.http.Problem;
import io.tunelog.kafka.Topics;
import io.tunelog.results.Json;
import io.tunelog.scheduler.SchedulingService;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.ext.web.RoutingContext;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * The API's POST routes: a submission, a cancellation and an enqueued configuration, each checked as the gate would check it, so that what it
 * would refuse is refused here and nothing is sent, then sent to the gate as a command. 202 means sent, not admitted.
 */
final class CommandRoutes {
    private static final Set<String> SPEC_TYPES = Set.of("application/yaml", "text/yaml", "application/json");
    /** A cancellation's body is at most a reason. */
    static final int MAX_CANCEL_BYTES = 4_096;

    private final ExperimentCatalog catalog;
    private final KafkaProducer<String, byte[]> producer;
    private final SchedulingService gate = new SchedulingService();

    CommandRoutes(ExperimentCatalog catalog, KafkaProducer<String, byte[]> producer) {
        this.catalog = catalog;
        this.producer = producer;
    }

    /** {@code POST /api/experiments[?id=]}: the spec as YAML or JSON. */
    void submit(RoutingContext ctx) {
        String type = mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
        if (!SPEC_TYPES.contains(type)) {
            throw new Problem(415, "Content-Type", "the spec must be sent as application/yaml, text/yaml or application/json, not "
                    + (type.isEmpty() ? "without a Content-Type" : type));
        }
        String givenId = ctx.queryParams().get("id");
        Buffer body = ctx.body().buffer();
        String submitter = sender(ctx);
        Reply.offLoop(ctx, () -> {
            String text = utf8(body);
            ExperimentSpec spec;
            try {
                spec = SpecParser.parse(text);
                // What the gate would refuse, refused before anything is sent, as the CLI does.
                gate.checkSubmittedSpec(spec);
            } catch (SpecException e) {
                throw new Problem(400, e.field(), e.getMessage());
            }
            String id = givenId != null ? givenId : newExperimentId(spec);
            String idProblem = Event.experimentIdProblem(id);
            if (idProblem != null) {
                throw new Problem(400, "id", idProblem);
            }
            if (catalog.read(id, e -> true).isPresent()) {
                // The gate's own words; sending it only to be refused would tell the client nothing sooner.
                throw new Problem(422, "id", "experiment " + id + " already exists");
            }
            send(id, new SubmitExperiment(id, text, submitter), "submission");
            return accepted(id);
        });
    }

    /** {@code POST /api/experiments/{experimentId}/cancel}: optionally {@code {"reason": "..."}}. */
    void cancel(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String reason = cancelReason(ctx.body().buffer(), mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE)));
        String requestedBy = sender(ctx);
        Reply.offLoop(ctx, () -> {
            // The gate's own rule and words: what it would refuse is refused before anything is sent.
            EventPayload.ExperimentCancelled cancellation = new EventPayload.ExperimentCancelled(reason, requestedBy);
            catalog.require(id, experiment -> Admission.refusal(experiment.state(), null, cancellation)).ifPresent(refusal -> {
                throw new Problem(409, "experimentId", refusal);
            });
            send(id, new CancelExperiment(id, reason, requestedBy), "cancel");
            return accepted(id);
        });
    }

    /**
     * {@code POST /api/experiments/{experimentId}/enqueue}: the configuration as a JSON object, e.g. {@code {"lr": 0.01}};
     * checked against the experiment's search space and budget as the gate checks it.
     */
    void enqueue(RoutingContext ctx) {
        String id = ctx.pathParam("experimentId");
        String type = mediaType(ctx.request().getHeader(HttpHeaders.CONTENT_TYPE));
        if (!type.equals(JsonResponses.JSON)) {
            throw new Problem(415, "Content-Type", "a configuration must be sent as application/json, not "
                    + (type.isEmpty() ? "without a Content-Type" : type));
        }
        Buffer body = ctx.body().buffer();
        String requestedBy = sender(ctx);
        Reply.offLoop(ctx, () -> {
            Map<String, Object> config;
            try {
                config = ConfigCheck.fromJson(Json.MAPPER.readTree(utf8(body)), "config");
            } catch (JsonProcessingException e) {
                throw new Problem(400, "body", "not JSON: " + e.getOriginalMessage());
            } catch (SpecException e) {
                throw new Problem(400, e.field(), e.getMessage());
            }
            Map<String, Object> checked = catalog.require(id, experiment -> {
                ExperimentState state = experiment.state();
                if (state.spec() == null) {
                    return config;
                }
                try {
                    return ConfigCheck.check(state.spec().searchSpace(), config, "config");
                } catch (SpecException e) {
                    throw new Problem(400, e.field(), e.getMessage());
                }
            });
            // The gate's own rules and words: what it would refuse is refused before anything is sent.
            catalog.require(id, experiment -> Admission.refusal(experiment.state(), null,
                    new EventPayload.TrialEnqueued(checked, requestedBy)).or(() -> Admission.enqueueRoomRefusal(experiment.state())))
                    .ifPresent(refusal -> {
                throw new Problem(409, "experimentId", refusal);
            });
            send(id, new EnqueueTrial(id, checked, requestedBy), "enqueued configuration");
            return accepted(id);
        });
    }

    private static Reply accepted(String experimentId) {
        ObjectNode node = Json.MAPPER.createObjectNode();
        node.put("experimentId", experimentId);
        return new Reply(202, node, GatewayServer.EXPERIMENTS + "/" + experimentId);
    }

    /** Who sent a command, as the log records it: the client's address, and the token's name when it has one. */
    static String sender(RoutingContext ctx) {
        String address = "http " + ctx.request().remoteAddress();
        return HttpSecurity.holder(ctx).filter(h -> !h.name().isEmpty()).map(h -> address + " token " + h.name()).orElse(address);
    }

    /** The optional JSON body {@code {"reason": "..."}}; no body means no reason. */
    private static String cancelReason(Buffer body, String type) {
        if (body == null || body.length() == 0) {
            return "";
        }
        if (!type.equals(JsonResponses.JSON)) {
            throw new Problem(415, "Content-Type", "a cancellation's body must be application/json, not "
                    + (type.isEmpty() ? "without a Content-Type" : type));
        }
        JsonNode node;
        try {
            node = Json.MAPPER.readTree(utf8(body));
        } catch (JsonProcessingException e) {
            throw new Problem(400, "body", "not JSON: " + e.getOriginalMessage());
        }
        if (node == null || !node.isObject()) {
            throw new Problem(400, "body", "expected an object such as {\"reason\": \"...\"}");
        }
        for (var names = node.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!name.equals("reason")) {
                throw new Problem(400, name, "unknown field; a cancellation takes only \"reason\"");
            }
        }
        JsonNode reason = node.get("reason");
        if (reason == null || reason.isNull()) {
            return "";
        }
        if (!reason.isTextual()) {
            throw new Problem(400, "reason", "expected a string, found " + reason.getNodeType().name().toLowerCase(Locale.ROOT));
        }
        return reason.asText();
    }

    /** Sends a command to the gate and waits for the broker to have it. */
    private void send(String experimentId, SpecificRecordBase command, String what) {
        try {
            producer.send(new ProducerRecord<>(Topics.SUBMISSIONS, experimentId, AvroBytes.encode(command))).get(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new Problem(503, null, "interrupted while sending the " + what + " of " + experimentId);
        } catch (Exception e) {
            throw new Problem(503, null, "cannot send the " + what + " of " + experimentId + " to Kafka: "
                    + (e.getCause() != null ? e.getCause().getMessage() : e.toString()));
        }
    }

    /** The type of a Content-Type header without its parameters, in lower case; empty when there is none. */
    private static String mediaType(String header) {
        if (header == null) {
            return "";
        }
        int semicolon = header.indexOf(';');
        return (semicolon < 0 ? header : header.substring(0, semicolon)).trim().toLowerCase(Locale.ROOT);
    }

    private static String utf8(Buffer body) {
        try {
            return StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT)
                    .decode(ByteBuffer.wrap(body == null ? new byte[0] : body.getBytes()))
                    .toString();
        } catch (CharacterCodingException e) {
            throw new Problem(400, "body", "the spec is not UTF-8 text");
        }
    }

    /** As {@code tunelog submit} names an experiment: the spec's name, the local time, and a random suffix. */
    private static String newExperimentId(ExperimentSpec spec) {
        return spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }
}
