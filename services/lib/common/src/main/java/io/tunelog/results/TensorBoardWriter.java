package io.tunelog.results;

import io.tunelog.domain.state.Report;
import io.tunelog.domain.state.TrialState;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * Writes one trial's reports and hyperparameters as a TensorBoard event file, so that
 * {@code tensorboard --logdir <results>/<experimentId>} shows every trial as a run (Scalars tab) and its
 * configuration (HParams tab). Like the rest of the results directory it is a projection of the log: the
 * file's name and every byte in it come from the log's events, never from the clock, so rewriting it from
 * the same log gives the same file.
 *
 * <p>The file is a sequence of TFRecords: {@code uint64 length, uint32 masked_crc32c(length), data,
 * uint32 masked_crc32c(data)}, little-endian, where each {@code data} is a serialized {@code tensorflow.Event}.
 * We encode the few messages by hand rather than depend on protobuf in main code. The subset written, with
 * the field numbers of TensorFlow's {@code event.proto}, {@code summary.proto}, {@code tensor.proto},
 * {@code tensor_shape.proto}, protobuf's {@code struct.proto} and TensorBoard's
 * {@code plugins/hparams/plugin_data.proto}:
 *
 * <pre>
 * message Event            { double wall_time = 1; int64 step = 2; string file_version = 3; Summary summary = 5; }
 * message Summary          { repeated Value value = 1;
 *   message Value          { string tag = 1; float simple_value = 2; TensorProto tensor = 8; SummaryMetadata metadata = 9; } }
 * message SummaryMetadata  { PluginData plugin_data = 1;
 *   message PluginData     { string plugin_name = 1; bytes content = 2; } }
 * message TensorProto      { DataType dtype = 1; TensorShapeProto tensor_shape = 2; }   // DT_FLOAT = 1
 * message TensorShapeProto { repeated Dim dim = 2; message Dim { int64 size = 1; } }
 * // tensorboard.hparams, in PluginData.content when plugin_name = "hparams":
 * message HParamsPluginData { int32 version = 1; SessionStartInfo session_start_info = 3; }
 * message SessionStartInfo  { map&lt;string, google.protobuf.Value&gt; hparams = 1; double start_time_secs = 5; }
 * // google.protobuf:
 * message Value { NullValue null_value = 1; double number_value = 2; string string_value = 3; bool bool_value = 4; }
 * // a map&lt;K, V&gt; field is a repeated message { K key = 1; V value = 2; }
 * </pre>
 */
public final class TensorBoardWriter {
    static final String FILE_VERSION = "brain.Event:2";
    static final String HPARAMS_TAG = "_hparams_/session_start_info";

    private static final int DT_FLOAT = 1;

    private TensorBoardWriter() {}

    /** The event file's name: TensorBoard reads any file whose name contains "tfevents". */
    public static String fileName(TrialState trial) {
        return "events.out.tfevents." + firstReportTime(trial).getEpochSecond() + ".tunelog";
    }

    /**
     * Writes the trial's event file into {@code trialDir} and returns it. Only a trial that has reported can
     * have one: its name is stamped with the first report's time.
     */
    public static Path write(TrialState trial, Path trialDir) throws IOException {
        Path file = trialDir.resolve(fileName(trial));
        // TensorBoard would read a temporary file named *tfevents* as a second, half-written run.
        ResultsWriter.writeAtomically(file, trialDir.resolve(".tensorboard.tmp"), encode(trial));
        return file;
    }

    /** The whole event file of {@code trial}. */
    static byte[] encode(TrialState trial) {
        Instant first = firstReportTime(trial);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        record(out, new Proto().fixed64(1, seconds(first)).string(3, FILE_VERSION));
        record(out, new Proto().fixed64(1, seconds(first)).message(5, hparams(trial)));
        for (Report r : trial.reports()) {
            Proto summary = new Proto();
            // Sorted, so that the same log always gives the same bytes.
            new TreeMap<>(r.metrics()).forEach((tag, value) ->
                    summary.message(1, new Proto().string(1, tag).fixed32(2, value.floatValue())));
            record(out, new Proto().fixed64(1, seconds(r.timestamp())).int64(2, r.step()).message(5, summary));
        }
        return out.toByteArray();
    }

    /** A Summary with the hparams plugin's session start info, as TensorBoard's own hparams summary writes it. */
    private static Proto hparams(TrialState trial) {
        Proto start = new Proto();
        new TreeMap<>(trial.config()).forEach((name, value) ->
                start.message(1, new Proto().string(1, name).message(2, value(value))));
        Instant started = trial.firstStartedAt() != null ? trial.firstStartedAt() : firstReportTime(trial);
        start.fixed64(5, seconds(started));
        Proto pluginData = new Proto().int64(1, 0).message(3, start);
        Proto metadata = new Proto().message(1, new Proto().string(1, "hparams").bytes(2, pluginData.toBytes()));
        // The summary's data is in its metadata; TensorBoard expects a tensor beside it all the same, and its
        // own writer puts this one there: a float vector of length 0.
        Proto nullTensor = new Proto().int64(1, DT_FLOAT).message(2, new Proto().message(2, new Proto()));
        return new Proto().message(1, new Proto().string(1, HPARAMS_TAG).message(8, nullTensor).message(9, metadata));
    }

    /** A config value as a google.protobuf.Value; the log's configs hold booleans, longs, doubles and strings. */
    private static Proto value(Object v) {
        if (v == null) {
            return new Proto().int64(1, 0);
        } else if (v instanceof Boolean b) {
            return new Proto().int64(4, b ? 1 : 0);
        } else if (v instanceof Number n) {
            return new Proto().fixed64(2, n.doubleValue());
        }
        return new Proto().string(3, v.toString());
    }

    private static Instant firstReportTime(TrialState trial) {
        if (trial.reports().isEmpty()) {
            throw new IllegalArgumentException("trial " + trial.trialId() + " has no reports to write");
        }
        return trial.reports().get(0).timestamp();
    }

    private static double seconds(Instant t) {
        return t.getEpochSecond() + t.getNano() / 1e9;
    }

    private static void record(ByteArrayOutputStream out, Proto event) {
        byte[] data = event.toBytes();
        byte[] length = littleEndian(data.length, 8);
        out.writeBytes(length);
        out.writeBytes(littleEndian(maskedCrc(length), 4));
        out.writeBytes(data);
        out.writeBytes(littleEndian(maskedCrc(data), 4));
    }

    /** TFRecord masks its CRCs so that a CRC of data that itself holds CRCs stays a good check. */
    private static long maskedCrc(byte[] bytes) {
        CRC32C crc = new CRC32C();
        crc.update(bytes);
        int c = (int) crc.getValue();
        return Integer.toUnsignedLong(((c >>> 15) | (c << 17)) + 0xa282ead8);
    }

    private static byte[] littleEndian(long v, int n) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) {
            b[i] = (byte) (v >>> (8 * i));
        }
        return b;
    }

    /** Just enough of the protobuf wire format for the messages above: one message, built field by field. */
    static final class Proto {
        private static final int VARINT = 0;
        private static final int FIXED64 = 1;
        private static final int LENGTH_DELIMITED = 2;
        private static final int FIXED32 = 5;

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Proto int64(int field, long v) {
            tag(field, VARINT);
            varint(v);
            return this;
        }

        Proto fixed64(int field, double v) {
            tag(field, FIXED64);
            out.writeBytes(littleEndian(Double.doubleToRawLongBits(v), 8));
            return this;
        }

        Proto fixed32(int field, float v) {
            tag(field, FIXED32);
            out.writeBytes(littleEndian(Float.floatToRawIntBits(v), 4));
            return this;
        }

        Proto bytes(int field, byte[] b) {
            tag(field, LENGTH_DELIMITED);
            varint(b.length);
            out.writeBytes(b);
            return this;
        }

        Proto string(int field, String s) {
            return bytes(field, s.getBytes(StandardCharsets.UTF_8));
        }

        Proto message(int field, Proto m) {
            return bytes(field, m.toBytes());
        }

        byte[] toBytes() {
            return out.toByteArray();
        }

        private void tag(int field, int wireType) {
            varint((long) field << 3 | wireType);
        }

        /** Seven bits a byte, least significant first; a negative int64 takes all ten bytes. */
        private void varint(long v) {
            while ((v & ~0x7FL) != 0) {
                out.write((int) (v & 0x7F) | 0x80);
                v >>>= 7;
            }
            out.write((int) v);
        }
    }
}
