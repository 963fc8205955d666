package io.tunelog.domain.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import org.junit.jupiter.api.Test;

/** {@code warmStart: {from: [ids]}}: distinct experiment ids, kept in the canonical JSON only when given. */
class WarmStartSpecTest {

    private static SpecException refused(String warmStart, String field, String message) {
        SpecException e = catchThrowableOfType(() -> SpecParser.parse(SpecParserTest.MINIMAL + warmStart), SpecException.class);
        assertThat(e).as("refused").isNotNull();
        assertThat(e.field()).isEqualTo(field);
        assertThat(e.getMessage()).contains(message);
        return e;
    }

    @Test
    void shouldReadTheSourceExperimentsAndKeepThemInTheCanonicalJson() {
        ExperimentSpec spec = SpecParser.parse(SpecParserTest.MINIMAL + "warmStart: {from: [exp-1, exp-2]}\n");

        assertThat(spec.warmStartFrom()).containsExactly("exp-1", "exp-2");
        String json = SpecJson.toJson(spec);
        assertThat(json).endsWith(",\"warmStart\":{\"from\":[\"exp-1\",\"exp-2\"]}}");
        assertThat(SpecParser.parse(json)).isEqualTo(spec);
        assertThat(SpecParser.parse(SpecParserTest.MINIMAL).warmStartFrom()).isEmpty();
    }

    @Test
    void shouldRefuseAnythingButAListOfDistinctIds() {
        refused("warmStart: {from: exp-1}\n", "warmStart.from", "expected a list of experiment ids");
        refused("warmStart: {from: []}\n", "warmStart.from", "expected a list of experiment ids, found an empty list");
        refused("warmStart: {from: [exp-1, 3]}\n", "warmStart.from[1]", "expected a non-empty string");
        refused("warmStart: {from: [exp-1, exp-1]}\n", "warmStart.from[1]", "expected distinct experiment ids");
        refused("warmStart: {from: [\"a b\"]}\n", "warmStart.from[0]", "must be 1 to 128 letters");
        refused("warmStart: {form: [exp-1]}\n", "warmStart.form", "unknown field");
    }
}
