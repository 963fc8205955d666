package io.tunelog.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryServiceTest {

    @Test
    void shouldRemoveAFileCheckpointThroughItsStore(@TempDir Path storage) throws Exception {
        Path dir = Files.createDirectories(storage.resolve("exp/trial-00000/checkpoint_000001/optim"));
        Files.writeString(dir.resolve("state.bin"), "x");
        Path kept = Files.createDirectories(storage.resolve("exp/trial-00000/checkpoint_000002"));

        RegistryService.removeFromStorage(dir.getParent().toUri().toString());

        assertThat(dir.getParent()).doesNotExist();
        assertThat(kept).isDirectory();
    }

    @Test
    void shouldUnlinkALinkedCheckpointRatherThanWhatItPointsAt(@TempDir Path storage) throws Exception {
        Path target = Files.createDirectories(storage.resolve("elsewhere"));
        Files.writeString(target.resolve("keep.txt"), "keep");
        Path link = Files.createSymbolicLink(storage.resolve("checkpoint_000001"), target);

        RegistryService.removeFromStorage(link.toUri().toString());

        assertThat(link).doesNotExist();
        assertThat(target.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void shouldNeverThrowForWhatItCannotRemove() {
        RegistryService.removeFromStorage("s3://bucket/exp/checkpoint_000001");
        RegistryService.removeFromStorage("file:///no/such/checkpoint");
        RegistryService.removeFromStorage("not a uri at all");
        RegistryService.removeFromStorage("file:/");
    }
}
