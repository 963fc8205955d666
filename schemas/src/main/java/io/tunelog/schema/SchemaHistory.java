package io.tunelog.schema;

import io.tunelog.avro.Assignment;
import io.tunelog.avro.CancelExperiment;
import io.tunelog.avro.EnqueueTrial;
import io.tunelog.avro.CommandRejected;
import io.tunelog.avro.DeadLetter;
import io.tunelog.avro.Event;
import io.tunelog.avro.LogRecord;
import io.tunelog.avro.PartitionSnapshot;
import io.tunelog.avro.ReportsTaken;
import io.tunelog.avro.SigningKeyEntry;
import io.tunelog.avro.SubmitExperiment;
import io.tunelog.avro.TrialControl;
import io.tunelog.avro.WorkerHeartbeat;
import io.tunelog.avro.WorkerReport;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.message.SchemaStore;

/**
 * Every released version of every top-level record, as kept under {@code schemas/history/<Record>/vN.avsc}.
 *
 * <p>Decoders resolve a record's fingerprint against this store, so a log written by any released
 * version still decodes with today's classes.
 */
public final class SchemaHistory {

    /** The records that travel on a topic on their own, with the schema this build writes. */
    public static final Map<String, Schema> CURRENT = Map.ofEntries(
            Map.entry("Event", Event.getClassSchema()),
            Map.entry("SubmitExperiment", SubmitExperiment.getClassSchema()),
            Map.entry("CancelExperiment", CancelExperiment.getClassSchema()),
            Map.entry("EnqueueTrial", EnqueueTrial.getClassSchema()),
            Map.entry("WorkerReport", WorkerReport.getClassSchema()),
            Map.entry("CommandRejected", CommandRejected.getClassSchema()),
            Map.entry("Assignment", Assignment.getClassSchema()),
            Map.entry("TrialControl", TrialControl.getClassSchema()),
            Map.entry("WorkerHeartbeat", WorkerHeartbeat.getClassSchema()),
            Map.entry("LogRecord", LogRecord.getClassSchema()),
            Map.entry("DeadLetter", DeadLetter.getClassSchema()),
            Map.entry("PartitionSnapshot", PartitionSnapshot.getClassSchema()),
            Map.entry("ReportsTaken", ReportsTaken.getClassSchema()),
            Map.entry("SigningKeyEntry", SigningKeyEntry.getClassSchema()));

    private static final SchemaStore.Cache STORE = new SchemaStore.Cache();

    static {
        for (String record : CURRENT.keySet()) {
            versions(record).forEach(STORE::addSchema);
        }
    }

    private SchemaHistory() {}

    /** Released versions of one record, oldest first (v1, v2, ... until the first missing one). */
    public static List<Schema> versions(String record) {
        List<Schema> result = new ArrayList<>();
        for (int v = 1; ; v++) {
            String resource = "history/" + record + "/v" + v + ".avsc";
            try (InputStream in = SchemaHistory.class.getResourceAsStream(resource)) {
                if (in == null) {
                    return result;
                }
                result.add(new Schema.Parser().parse(in));
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read schema " + resource, e);
            }
        }
    }

    /** Fingerprint lookup over all released versions, for Avro's single-object decoders. */
    public static SchemaStore store() {
        return STORE;
    }
}
