package io.tunelog.domain.spec;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A node and the dotted path that names it in errors. {@code node} is null when the field is absent, so
 * lookups can run ahead of the checks and the checks report the path.
 */
record Field(JsonNode node, String path) {
    Field get(String key) {
        String child = SpecChecks.oneLine(key);
        return new Field(node == null ? null : node.get(key), path.isEmpty() ? child : path + "." + child);
    }

    Field get(int index) {
        return new Field(node == null ? null : node.get(index), path + "[" + index + "]");
    }

    /** Present and not null: YAML's {@code key:} with nothing after it means "not given". */
    boolean isSet() {
        return node != null && !node.isNull();
    }

    SpecException error(String problem) {
        return new SpecException(path.isEmpty() ? SpecParser.WHOLE_SPEC : path, problem);
    }
}
