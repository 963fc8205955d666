package io.tunelog.registry;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import io.tunelog.registry.storage.CheckpointStores;
import io.tunelog.registry.storage.FileCheckpointStore;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RegistryServiceTest {

    @Test
    void shouldRemoveAFileCheckpointThroughItsStore(@TempDir Path storage) throws Exception {
        Path dir = Files.createDirectories(storage.resolve("exp/trial-00000/checkpoint_000001/optim"));
        Files.writeString(dir.resolve("state.bin"), "x");
        Path kept = Files.createDirectories(storage.resolve("exp/trial-00000/checkpoint_000002"));

        registry(storage).removeFromStorage(dir.getParent().toUri().toString());

        assertThat(dir.getParent()).doesNotExist();
        assertThat(kept).isDirectory();
    }

    @Test
    void shouldUnlinkALinkedCheckpointRatherThanWhatItPointsAt(@TempDir Path storage) throws Exception {
        Path target = Files.createDirectories(storage.resolve("elsewhere"));
        Files.writeString(target.resolve("keep.txt"), "keep");
        Path link = Files.createSymbolicLink(storage.resolve("checkpoint_000001"), target);

        registry(storage).removeFromStorage(link.toUri().toString());

        assertThat(link).doesNotExist();
        assertThat(target.resolve("keep.txt")).hasContent("keep");
    }

    @Test
    void shouldNeverRemoveAnythingOutsideTheStorageRoots(@TempDir Path dir) throws Exception {
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path outside = Files.createDirectories(dir.resolve("outside/checkpoint_000001"));

        registry(storage).removeFromStorage(outside.toUri().toString());
        registry(storage).removeFromStorage(storage.resolve("../outside/checkpoint_000001").toUri().toString());

        assertThat(outside).isDirectory();
    }

    @Test
    void shouldNeverThrowForWhatItCannotRemove(@TempDir Path storage) {
        RegistryService registry = registry(storage);
        registry.removeFromStorage("s3://bucket/exp/checkpoint_000001");
        registry.removeFromStorage("file:///no/such/checkpoint");
        registry.removeFromStorage("not a uri at all");
        registry.removeFromStorage("file:/");
    }

    private static RegistryService registry(Path storage) {
        return new RegistryService(new CheckpointStores(List.of(new FileCheckpointStore(List.of(storage)))));
    }
}
