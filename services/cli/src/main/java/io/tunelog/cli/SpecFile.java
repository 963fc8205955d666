package io.tunelog.cli;

import io.tunelog.domain.spec.ExperimentSpec;
import io.tunelog.domain.spec.SpecException;
import io.tunelog.domain.spec.SpecParser;
import io.tunelog.scheduler.SchedulingService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.concurrent.ThreadLocalRandom;

/** A spec file read and validated before anything touches Kafka. */
record SpecFile(Path path, String text, ExperimentSpec spec) {

    static SpecFile read(Path path) {
        String text;
        try {
            text = Files.readString(path);
        } catch (IOException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "cannot read spec " + path + ": " + e.getMessage());
        }
        try {
            ExperimentSpec spec = SpecParser.parse(text);
            // What the gate would refuse, refused before anything is sent.
            new SchedulingService().checkSubmittedSpec(spec);
            return new SpecFile(path, text, spec);
        } catch (SpecException e) {
            throw new Tunelog.UserError(Tunelog.BAD_INPUT, "invalid spec " + path + " at " + e.getMessage());
        }
    }

    /** A fresh experiment id: the name, the local time, and a random suffix against collisions. */
    String newExperimentId() {
        return spec.name() + "-" + LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"))
                + "-" + Integer.toHexString(ThreadLocalRandom.current().nextInt(0x1000, 0x10000));
    }
}
