package io.tunelog.registry.storage;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A file store serves and removes only what lies strictly below its roots, as written and as resolved. */
class FileCheckpointStoreTest {
    @TempDir
    Path tmp;

    Path root;
    Path outside;
    FileCheckpointStore store;

    @BeforeEach
    void storage() throws Exception {
        root = Files.createDirectories(tmp.resolve("storage"));
        outside = Files.createDirectories(tmp.resolve("outside"));
        Files.writeString(outside.resolve("secret.txt"), "not for workers");
        store = new FileCheckpointStore(List.of(root));
    }

    private Path checkpoint(String relative) throws Exception {
        Path dir = Files.createDirectories(root.resolve(relative));
        Files.writeString(dir.resolve("model.bin"), "weights of " + relative);
        Files.createDirectories(dir.resolve("optim/empty"));
        Files.write(dir.resolve("optim/state.pt"), new byte[] {0, 1, 2, (byte) 0xff});
        return dir;
    }

    @Test
    void shouldListACheckpointDirectoryParentsFirstWithSizes() throws Exception {
        Path dir = checkpoint("exp/trial-00000/checkpoint_000001");

        CheckpointContents contents = store.open(dir.toUri());

        assertThat(contents.entries()).extracting(CheckpointContents.Entry::name)
                .containsExactly("model.bin", "optim", "optim/empty", "optim/state.pt");
        CheckpointContents.Entry state = contents.entries().get(3);
        assertThat(state.directory()).isFalse();
        assertThat(state.size()).isEqualTo(4);
        assertThat(contents.entries().get(1).directory()).isTrue();
        try (InputStream in = contents.open(state)) {
            assertThat(in.readAllBytes()).containsExactly(0, 1, 2, 0xff);
        }
    }

    @Test
    void shouldRefuseAUriThatClimbsOutOfTheRootWithDotDot() {
        URI escape = URI.create(root.toUri() + "../outside");

        assertThat(Files.isDirectory(Path.of(escape))).as("the target exists").isTrue();
        assertThatThrownBy(() -> store.open(escape))
                .isInstanceOf(OutsideStorageException.class)
                .hasMessageContaining("outside the storage roots");
    }

    @Test
    void shouldRefuseACheckpointThatIsALinkLeadingOutOfTheRoot() throws Exception {
        Path link = Files.createSymbolicLink(Files.createDirectories(root.resolve("exp/trial-00000")).resolve("checkpoint_1"), outside);

        assertThatThrownBy(() -> store.open(link.toUri()))
                .isInstanceOf(OutsideStorageException.class)
                .hasMessageContaining("outside the storage roots");
    }

    @Test
    void shouldServeALinkThatStaysInsideTheRoot() throws Exception {
        Path dir = checkpoint("exp/trial-00000/checkpoint_1");
        Path link = Files.createSymbolicLink(root.resolve("exp/latest"), dir);

        assertThat(store.open(link.toUri()).entries()).hasSize(4);
    }

    @Test
    void shouldRefuseACheckpointHoldingALink() throws Exception {
        Path dir = checkpoint("exp/trial-00000/checkpoint_1");
        Files.createSymbolicLink(dir.resolve("peek"), outside.resolve("secret.txt"));

        assertThatThrownBy(() -> store.open(dir.toUri()))
                .isInstanceOf(OutsideStorageException.class)
                .hasMessageContaining("holds peek, which is a link");
    }

    @Test
    void shouldRefuseTheRootItselfAndPathsThatAreNotLocal() {
        assertThatThrownBy(() -> store.open(root.toUri())).isInstanceOf(OutsideStorageException.class);
        assertThatThrownBy(() -> store.open(URI.create("file://otherhost" + root.resolve("x"))))
                .isInstanceOf(OutsideStorageException.class)
                .hasMessageContaining("not an absolute local path");
    }

    @Test
    void shouldTellAMissingCheckpointFromAFile() throws Exception {
        Path file = Files.writeString(Files.createDirectories(root.resolve("exp")).resolve("notes.txt"), "x");

        assertThatThrownBy(() -> store.open(root.resolve("exp/gone").toUri())).isInstanceOf(NoSuchFileException.class);
        assertThatThrownBy(() -> store.open(file.toUri())).isInstanceOf(NotDirectoryException.class);
    }

    @Test
    void shouldRemoveACheckpointTreeAndNothingBeside() throws Exception {
        Path dir = checkpoint("exp/trial-00000/checkpoint_1");
        Path sibling = checkpoint("exp/trial-00000/checkpoint_2");

        assertThat(store.remove(dir.toUri())).isTrue();

        assertThat(dir).doesNotExist();
        assertThat(sibling.resolve("model.bin")).hasContent("weights of exp/trial-00000/checkpoint_2");
        assertThat(store.remove(dir.toUri())).as("already gone").isFalse();
    }

    @Test
    void shouldUnlinkALinkedCheckpointWithoutTouchingItsTarget() throws Exception {
        Path target = checkpoint("exp/trial-00000/checkpoint_1");
        Path link = Files.createSymbolicLink(root.resolve("exp/latest"), target);

        assertThat(store.remove(link.toUri())).isTrue();

        assertThat(link).doesNotExist();
        assertThat(target.resolve("model.bin")).exists();
    }

    @Test
    void shouldRemoveACheckpointHoldingLinksOutsideWithoutFollowingThem() throws Exception {
        Path dir = checkpoint("exp/trial-00000/a1/checkpoint_1");
        Files.createSymbolicLink(dir.resolve("optim/everything"), outside);
        Files.createSymbolicLink(dir.resolve("secret"), outside.resolve("secret.txt"));

        assertThatThrownBy(() -> store.open(dir.toUri())).as("never served")
                .isInstanceOf(OutsideStorageException.class)
                .hasMessageContaining("holds optim/everything, which is a link");
        assertThat(store.remove(dir.toUri())).isTrue();

        assertThat(dir).doesNotExist();
        assertThat(outside.resolve("secret.txt")).hasContent("not for workers");
    }

    @Test
    void shouldRefuseToRemoveAnythingOutsideTheRoot() throws Exception {
        Path linkedParent = Files.createSymbolicLink(root.resolve("exp"), outside);

        assertThatThrownBy(() -> store.remove(URI.create(root.toUri() + "../outside")))
                .isInstanceOf(OutsideStorageException.class);
        assertThatThrownBy(() -> store.remove(linkedParent.resolve("secret.txt").toUri()))
                .isInstanceOf(OutsideStorageException.class);
        assertThat(outside.resolve("secret.txt")).hasContent("not for workers");
    }

    @Test
    void shouldAcceptACheckpointBelowAnyOfSeveralRoots() throws Exception {
        Path second = Files.createDirectories(tmp.resolve("scratch"));
        Path dir = Files.createDirectories(second.resolve("exp/checkpoint_9"));
        Files.writeString(dir.resolve("a.txt"), "a", StandardCharsets.UTF_8);

        FileCheckpointStore both = new FileCheckpointStore(List.of(root, second));

        assertThat(both.open(dir.toUri()).entries()).extracting(CheckpointContents.Entry::name).containsExactly("a.txt");
        assertThatThrownBy(() -> store.open(dir.toUri())).isInstanceOf(OutsideStorageException.class);
    }

    @Test
    void shouldRefuseARootThatDoesNotExist() {
        assertThatThrownBy(() -> new FileCheckpointStore(List.of(tmp.resolve("nowhere"))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("nowhere");
    }

    @Test
    void shouldNameASchemeWithoutAStore() {
        CheckpointStores stores = new CheckpointStores(List.of(store));

        assertThat(stores.forUri(URI.create("FILE:///x"))).isSameAs(store);
        assertThatThrownBy(() -> stores.forUri(URI.create("s3://bucket/exp/checkpoint_1")))
                .isInstanceOf(UnsupportedSchemeException.class)
                .hasMessageContaining("'s3'")
                .hasMessageContaining("[file]");
        assertThatThrownBy(() -> stores.forUri(URI.create("relative/path")))
                .isInstanceOf(UnsupportedSchemeException.class)
                .hasMessageContaining("no scheme");
    }
}
