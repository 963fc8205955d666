package io.tunelog.worker;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;

/**
 * Which checkpoint directories a trial may register: only its own. The registry later archives, restores from and
 * deletes what a registration names, so a trial must not be able to point it elsewhere.
 */
final class CheckpointConfinement {
    private CheckpointConfinement() {}

    /** A checkpoint directory's size in bytes, or why it is refused. */
    record Confined(String problem, long sizeBytes) {
        static Confined refused(String problem) {
            return new Confined(problem, 0);
        }
    }

    /**
     * Whether {@code dir} (absolute, normalized) is a checkpoint the registry may later archive and delete: a directory
     * strictly inside the attempt's checkpoint directory {@code root} as written and as resolved, holding no link that
     * resolves outside {@code root}. A trial cannot make the registry serve or delete what is not its own by pointing a
     * link elsewhere. (The registry confines what it reads and deletes to its storage roots too; the trial could still
     * change the directory after this check, and that is what the registry's check is for.)
     */
    static Confined confine(Path root, Path dir) {
        if (!dir.startsWith(root) || dir.equals(root)) {
            return Confined.refused("is not inside the attempt's checkpoint directory (TUNELOG_CHECKPOINT_DIR " + root + ")");
        }
        Path realRoot;
        Path real;
        try {
            realRoot = root.toRealPath();
            real = dir.toRealPath();
        } catch (NoSuchFileException e) {
            return Confined.refused("does not exist");
        } catch (IOException e) {
            return Confined.refused("cannot be resolved: " + e);
        }
        if (!real.startsWith(realRoot) || real.equals(realRoot)) {
            return Confined.refused("leads outside the attempt's checkpoint directory (TUNELOG_CHECKPOINT_DIR " + root
                    + ") through a symbolic link, to " + real);
        }
        if (!Files.isDirectory(real)) {
            return Confined.refused("is not a directory");
        }
        long[] size = {0};
        String[] problem = {null};
        try {
            // Not following links: each is judged by where it resolves, and its target is not counted.
            Files.walkFileTree(real, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) {
                    if (attrs.isSymbolicLink()) {
                        String name = real.relativize(file).toString();
                        try {
                            Path target = file.toRealPath();
                            if (!target.startsWith(realRoot)) {
                                problem[0] = "holds " + name + ", a symbolic link leading outside the attempt's checkpoint directory, to "
                                        + target;
                            }
                        } catch (IOException e) {
                            // Its target may appear later, anywhere: judged as leading outside.
                            problem[0] = "holds " + name + ", a symbolic link that leads nowhere (" + e + ")";
                        }
                        return problem[0] == null ? FileVisitResult.CONTINUE : FileVisitResult.TERMINATE;
                    }
                    if (attrs.isRegularFile()) {
                        size[0] += attrs.size();
                    }
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (IOException e) {
            return Confined.refused("cannot be read whole: " + e);
        }
        return problem[0] != null ? Confined.refused(problem[0]) : new Confined(null, size[0]);
    }

}
