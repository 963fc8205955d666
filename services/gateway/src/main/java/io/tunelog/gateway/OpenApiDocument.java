package io.tunelog.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.tunelog.results.Json;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;

/**
 * The gateway's OpenAPI document as served at {@link #PATH}: {@code openapi.yaml} (a resource beside the gateway,
 * written by hand) with the spec's JSON Schema ({@code tunelog-spec.schema.json}, a resource of tunelog-schemas, the
 * file editors use) in place of the {@code ExperimentSpec} reference, so both describe the spec from one file.
 *
 * <p>The schema goes in without its {@code $id}, its {@code #/$defs/...} references rewritten to point into the
 * document: JSON Schema would resolve them against the embedded {@code $id}, but OpenAPI tools resolve them against
 * the document (openapi-spec-validator fails on them otherwise).
 */
final class OpenApiDocument {
    static final String PATH = "/api/openapi.json";
    static final String SPEC_SCHEMA = "/tunelog-spec.schema.json";
    static final String LOCAL_DEFS = "#/$defs/";
    static final String EMBEDDED_DEFS = "#/components/schemas/ExperimentSpec/$defs/";

    private OpenApiDocument() {}

    /** The document, as JSON bytes. */
    static byte[] json() {
        try {
            return Json.MAPPER.writeValueAsBytes(load());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the OpenAPI document", e);
        }
    }

    /** The document, with the spec's schema in place. */
    static ObjectNode load() {
        ObjectNode doc = (ObjectNode) read("/openapi.yaml", new ObjectMapper(new YAMLFactory()));
        JsonNode schema = read(SPEC_SCHEMA, Json.MAPPER);
        ObjectNode schemas = (ObjectNode) doc.at("/components/schemas");
        String ref = schemas.at("/ExperimentSpec/$ref").asText();
        if (!ref.equals(schema.path("$id").asText())) {
            throw new IllegalStateException("openapi.yaml's ExperimentSpec refers to " + ref + ", not to the spec's schema "
                    + schema.path("$id").asText());
        }
        ObjectNode embedded = (ObjectNode) schema.deepCopy();
        embedded.remove("$id");
        rebase(embedded);
        schemas.set("ExperimentSpec", embedded);
        return doc;
    }

    private static void rebase(JsonNode node) {
        if (node instanceof ObjectNode object && object.path("$ref").asText().startsWith(LOCAL_DEFS)) {
            object.put("$ref", EMBEDDED_DEFS + object.get("$ref").asText().substring(LOCAL_DEFS.length()));
        }
        node.forEach(OpenApiDocument::rebase);
    }

    private static JsonNode read(String resource, ObjectMapper mapper) {
        try (InputStream in = OpenApiDocument.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + resource + " on the class path");
            }
            return mapper.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + resource, e);
        }
    }
}
