package io.tunelog.cli;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.SequenceNode;

/**
 * The rule for relative paths in {@code trial.command}: an element that is a relative path (it has a slash and does
 * not start with one, like {@code bin/train} or {@code ./train.py}) and names a file next to the spec file is made
 * absolute when the spec is read, so the example specs run from any working directory, in a checkout or an unpacked
 * archive. Anything else is left as written, for the worker to resolve against its own working directory.
 *
 * <p>Done on the spec's text, where each such element is replaced by its quoted absolute path, so the log keeps the
 * user's comments and layout and records what the workers run.
 */
final class CommandPaths {
    private static final ObjectMapper JSON = new ObjectMapper();

    private CommandPaths() {
    }

    /** The spec text with its relative {@code trial.command} paths that exist under {@code specDir} made absolute. */
    static String resolve(String text, Path specDir) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions()).compose(new java.io.StringReader(text));
        } catch (YAMLException e) {
            return text; // the parser reports what is wrong with it
        }
        List<ScalarNode> found = new ArrayList<>();
        SequenceNode command = sequence(value(value(root, "trial"), "command"));
        if (command != null) {
            for (Node element : command.getValue()) {
                if (element instanceof ScalarNode scalar && nextToSpec(scalar.getValue(), specDir)) {
                    found.add(scalar);
                }
            }
        }
        StringBuilder out = new StringBuilder(text);
        // From the last to the first, so earlier offsets still hold.
        for (int i = found.size() - 1; i >= 0; i--) {
            ScalarNode scalar = found.get(i);
            int start = text.offsetByCodePoints(0, scalar.getStartMark().getIndex());
            int end = text.offsetByCodePoints(0, scalar.getEndMark().getIndex());
            out.replace(start, end, quoted(specDir.resolve(scalar.getValue()).normalize().toString()));
        }
        return out.toString();
    }

    private static boolean nextToSpec(String element, Path specDir) {
        if (!element.contains("/") || element.startsWith("/")) {
            return false;
        }
        try {
            return Files.exists(specDir.resolve(element));
        } catch (java.nio.file.InvalidPathException e) {
            return false;
        }
    }

    private static Node value(Node mapping, String key) {
        if (mapping instanceof MappingNode map) {
            for (NodeTuple tuple : map.getValue()) {
                if (tuple.getKeyNode() instanceof ScalarNode k && k.getValue().equals(key)) {
                    return tuple.getValueNode();
                }
            }
        }
        return null;
    }

    private static SequenceNode sequence(Node node) {
        return node instanceof SequenceNode s ? s : null;
    }

    /** A YAML double-quoted scalar: JSON's string escapes are a subset of YAML's. */
    private static String quoted(String path) {
        try {
            return JSON.writeValueAsString(path);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
