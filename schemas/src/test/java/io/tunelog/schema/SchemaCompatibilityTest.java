package io.tunelog.schema;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.SchemaCompatibility.SchemaCompatibilityType;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * The build's guard on schema evolution: today's schema must read everything any released version wrote,
 * and a changed schema must be released (snapshotted) before it ships.
 */
class SchemaCompatibilityTest {

    @TestFactory
    List<DynamicTest> currentSchemaReadsEveryReleasedVersion() {
        return SchemaHistory.CURRENT.entrySet().stream()
                .flatMap(e -> SchemaHistory.versions(e.getKey()).stream()
                        .map(old -> DynamicTest.dynamicTest(e.getKey() + " reads " + old.getFullName() + " v" + (SchemaHistory.versions(e.getKey()).indexOf(old) + 1), () -> {
                            var result = SchemaCompatibility.checkReaderWriterCompatibility(e.getValue(), old);
                            assertThat(result.getType())
                                    .as("%s: the current schema cannot read a released version: %s", e.getKey(), result.getResult().getIncompatibilities())
                                    .isEqualTo(SchemaCompatibilityType.COMPATIBLE);
                        })))
                .toList();
    }

    @TestFactory
    List<DynamicTest> currentSchemaIsReleased() {
        return SchemaHistory.CURRENT.entrySet().stream()
                .map(e -> DynamicTest.dynamicTest(e.getKey() + " is snapshotted", () -> assertReleased(e)))
                .toList();
    }

    private static void assertReleased(Map.Entry<String, Schema> entry) throws IOException {
        List<Schema> versions = SchemaHistory.versions(entry.getKey());
        if (!versions.isEmpty() && versions.get(versions.size() - 1).equals(entry.getValue())) {
            return;
        }
        // Leave the candidate where a developer can copy it into schemas/history.
        Path candidate = Path.of("target", "schema-candidates", entry.getKey(), "v" + (versions.size() + 1) + ".avsc");
        Files.createDirectories(candidate.getParent());
        Files.writeString(candidate, entry.getValue().toString(true));
        throw new AssertionError(entry.getKey() + " changed since its last released version: copy "
                + candidate.toAbsolutePath() + " to schemas/history/" + entry.getKey() + "/ once it is compatible");
    }
}
