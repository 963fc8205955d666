package io.tunelog.cli;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SearcherChoice;
import io.tunelog.domain.spec.SearcherSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.scheduler.SchedulingService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** A spec file read and validated before anything touches Kafka, its relative command paths resolved ({@link CommandPaths}). */
record SpecFile(Path path, String text, ExperimentSpec spec) {

    static SpecFile read(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot read spec " + path + ": " + CliErrors.reason(e));
        }
        try {
            SpecParser.parse(text);
            // Parsed again once its command paths are resolved: that text is what is sent and what workers run.
            String resolved = CommandPaths.resolve(text, path.toAbsolutePath().getParent());
            ExperimentSpec spec = SpecParser.parse(resolved);
            // What the gate would refuse, refused before anything is sent.
            new SchedulingService().checkSubmittedSpec(spec);
            return new SpecFile(path, resolved, spec);
        } catch (SpecException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "invalid spec " + path + " at " + e.getMessage());
        }
    }

    /**
     * Which searcher the spec runs with, for the line {@code run} and {@code submit} print: when the spec left it to
     * {@link SearcherChoice}, the pick, the rule and why. The gate picks again from the same text, by the same rule in
     * the same build; the log's spec, which {@code state --json} shows, is the record.
     */
    String searcherLine() {
        SearcherSpec searcher = spec.searcher();
        if (searcher.chosenBy() == null) {
            return "searcher " + searcher.type();
        }
        String why = SearcherChoice.choose(spec.searchSpace(), spec.budget(), spec.scheduler(),
                spec.beyondOneMetric()).reason();
        return "searcher " + searcher.type() + ", chosen by " + searcher.chosenBy() + ": " + why;
    }

    /** A fresh experiment id: the name, the local time, and a random suffix against collisions. */
    String newExperimentId() {
        return spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }
}
