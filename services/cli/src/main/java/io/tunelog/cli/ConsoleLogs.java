package io.tunelog.cli;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.Appender;
import ch.qos.logback.core.FileAppender;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * Keeps a command's console to Tunelog's own lines: the logs of the embedded broker, Kafka's clients and every other
 * library go to a file in the command's directory, and reach the console too only with {@code --verbose}.
 * Reconfigures logback.xml's set-up in place, so loggers made before the file was known follow it too.
 */
final class ConsoleLogs {
    private static final String OWN = "io.tunelog";

    @Option(names = "--verbose", description = "Print the logs of Kafka (the embedded broker and the clients) and of the "
            + "other libraries on the console too, not only to the command's log file")
    boolean verbose;

    /**
     * Sends every log line, from INFO, to {@code file} (appended to); on the console leaves Tunelog's own lines from
     * {@code ownLevel} on, or with {@code --verbose} every line from INFO.
     */
    void toFile(Path file, Level ownLevel) {
        try {
            Files.createDirectories(file.toAbsolutePath().getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot make the directory of the log file " + file, e);
        }
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        Logger root = context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger own = context.getLogger(OWN);
        Appender<ILoggingEvent> console = root.getAppender("CONSOLE");
        root.setLevel(Level.INFO);
        own.setLevel(Level.INFO);
        // logback.xml quiets the client's connection warnings for the console; the file keeps them.
        context.getLogger("org.apache.kafka.clients.NetworkClient").setLevel(null);
        context.getLogger("org.apache.kafka.clients.ClientUtils").setLevel(null);
        root.addAppender(fileAppender(context, file));
        if (console != null && !verbose) {
            root.detachAppender(console);
            ThresholdFilter threshold = new ThresholdFilter();
            threshold.setLevel(ownLevel.toString());
            threshold.start();
            console.addFilter(threshold);
            own.addAppender(console);
        }
    }

    private static FileAppender<ILoggingEvent> fileAppender(LoggerContext context, Path file) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern("%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger - %msg%n");
        encoder.start();
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setContext(context);
        appender.setName("FILE");
        appender.setFile(file.toString());
        appender.setAppend(true);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
