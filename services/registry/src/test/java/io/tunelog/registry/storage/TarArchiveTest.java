package io.tunelog.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TarArchiveTest {

    @Test
    void shouldPutEveryEntryUnderOneTopDirectoryWithItsBytes(@TempDir Path root) throws Exception {
        Path dir = Files.createDirectories(root.resolve("ckpt"));
        // Past tar's 100-byte name field, which the POSIX extension must carry.
        String longName = "n".repeat(120) + "/" + "m".repeat(90) + ".bin";
        byte[] big = new byte[300_000];
        new Random(7).nextBytes(big);
        Files.createDirectories(dir.resolve(longName).getParent());
        Files.write(dir.resolve(longName), big);
        Files.createDirectories(dir.resolve("empty"));
        Files.writeString(dir.resolve("meta.json"), "{\"step\": 3}");

        ByteArrayOutputStream out = new ByteArrayOutputStream();
        TarArchive.write("top", new FileCheckpointStore(List.of(root)).open(dir.toUri()), out);

        Map<String, byte[]> unpacked = new LinkedHashMap<>();
        try (TarArchiveInputStream tar = new TarArchiveInputStream(new ByteArrayInputStream(out.toByteArray()))) {
            for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
                unpacked.put(e.getName(), e.isDirectory() ? null : tar.readAllBytes());
            }
        }
        assertThat(unpacked.keySet()).containsExactly("top/", "top/empty/", "top/meta.json",
                "top/" + "n".repeat(120) + "/", "top/" + longName);
        assertThat(unpacked.get("top/" + longName)).isEqualTo(big);
        assertThat(new String(unpacked.get("top/meta.json"), java.nio.charset.StandardCharsets.UTF_8)).isEqualTo("{\"step\": 3}");
    }
}
