package io.tunelog.registry.storage;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code file:} checkpoints: directories below one or more storage roots, on a local or shared file
 * system. A checkpoint must lie strictly below a root both as written (after removing {@code ..}) and as
 * resolved (after following links), so a worker cannot make the registry read or delete anything else by
 * the URI it registers. Links inside a checkpoint are refused for the same reason.
 */
public final class FileCheckpointStore implements CheckpointStore {
    private final List<Path> roots;

    /** @throws IllegalArgumentException when a root does not exist */
    public FileCheckpointStore(List<Path> roots) {
        if (roots.isEmpty()) {
            throw new IllegalArgumentException("a file checkpoint store needs at least one storage root");
        }
        List<Path> real = new ArrayList<>();
        for (Path root : roots) {
            try {
                // Compared with resolved checkpoint paths, so the roots are resolved too.
                real.add(root.toRealPath());
            } catch (IOException e) {
                throw new IllegalArgumentException("storage root " + root + " is not there: " + e.getMessage(), e);
            }
        }
        this.roots = List.copyOf(real);
    }

    @Override
    public String scheme() {
        return "file";
    }

    @Override
    public CheckpointContents open(URI uri) throws IOException {
        Path dir = confine(confine(localPath(uri), uri).toRealPath(), uri);
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            throw new NotDirectoryException(uri.toString());
        }
        return new Directory(uri, dir, list(uri, dir));
    }

    @Override
    public boolean remove(URI uri) throws IOException {
        Path written = confine(localPath(uri), uri);
        Path parent = written.getParent();
        if (!Files.isDirectory(parent)) {
            return false;
        }
        // Only the parent is resolved: a checkpoint that is itself a link is unlinked, never followed.
        Path target = confine(parent.toRealPath().resolve(written.getFileName()), uri);
        if (!Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
            return false;
        }
        Files.walkFileTree(target, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path dir, IOException failed) throws IOException {
                if (failed != null) {
                    throw failed;
                }
                Files.delete(dir);
                return FileVisitResult.CONTINUE;
            }
        });
        return true;
    }

    private static Path localPath(URI uri) {
        try {
            return Path.of(uri).normalize();
        } catch (IllegalArgumentException e) {
            // file://host/..., relative or opaque file: URIs, query or fragment: none names a local path.
            throw new OutsideStorageException(uri, "is not an absolute local path: " + e.getMessage());
        }
    }

    /** {@code path} when it lies strictly below a root; a root itself is storage, not a checkpoint. */
    private Path confine(Path path, URI uri) {
        for (Path root : roots) {
            if (path.startsWith(root) && !path.equals(root)) {
                return path;
            }
        }
        throw new OutsideStorageException(uri, "is outside the storage roots");
    }

    private static List<CheckpointContents.Entry> list(URI uri, Path dir) throws IOException {
        List<CheckpointContents.Entry> entries = new ArrayList<>();
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : (Iterable<Path>) walk.skip(1).sorted()::iterator) {
                BasicFileAttributes attrs = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
                String name = dir.relativize(p).toString().replace(p.getFileSystem().getSeparator(), "/");
                if (!attrs.isDirectory() && !attrs.isRegularFile()) {
                    throw new OutsideStorageException(uri, "holds " + name
                            + ", which is a link or special file; only files and directories are served");
                }
                entries.add(new CheckpointContents.Entry(name, attrs.isDirectory(), attrs.isDirectory() ? 0 : attrs.size(),
                        attrs.lastModifiedTime().toInstant()));
            }
        }
        return List.copyOf(entries);
    }

    private record Directory(URI uri, Path dir, List<CheckpointContents.Entry> entries) implements CheckpointContents {
        @Override
        public InputStream open(Entry file) throws IOException {
            Path path = dir.resolve(file.name());
            // Checked again when read: the directory may have changed since it was listed.
            if (!path.toRealPath().startsWith(dir)) {
                throw new OutsideStorageException(uri, "holds " + file.name() + ", which now leads outside the checkpoint");
            }
            return Files.newInputStream(path, LinkOption.NOFOLLOW_LINKS);
        }
    }
}
