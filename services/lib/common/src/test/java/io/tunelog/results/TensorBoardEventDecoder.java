package io.tunelog.results;

import com.google.protobuf.DescriptorProtos.DescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Label;
import com.google.protobuf.DescriptorProtos.FieldDescriptorProto.Type;
import com.google.protobuf.DescriptorProtos.FileDescriptorProto;
import com.google.protobuf.DescriptorProtos.MessageOptions;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.DescriptorValidationException;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.Descriptors.FileDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.Message;
import com.google.protobuf.StructProto;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;

/**
 * Reads TensorBoard event files with real protobuf, to check {@link TensorBoardWriter}'s hand-made encoding
 * against something that shares none of its code. The descriptors below are built from the upstream
 * definitions (same names, numbers and types; fields Tunelog never writes are left out, and would show up
 * as unknown fields, which {@link #events} refuses):
 * TensorFlow's core/util/event.proto, core/framework/summary.proto, tensor.proto and tensor_shape.proto,
 * and TensorBoard's plugins/hparams/plugin_data.proto, which uses google/protobuf/struct.proto (taken
 * from protobuf-java itself).
 */
final class TensorBoardEventDecoder {

    /** A record whose framing does not hold: a bad length, a CRC that does not match, a truncated file. */
    static final class CorruptRecordException extends RuntimeException {
        CorruptRecordException(String message) {
            super(message);
        }
    }

    static final Descriptor EVENT;
    static final Descriptor SUMMARY_VALUE;
    static final Descriptor HPARAMS_PLUGIN_DATA;

    static {
        FileDescriptorProto tensorflow = FileDescriptorProto.newBuilder()
                .setName("tunelog_test/tensorflow.proto")
                .setPackage("tensorflow")
                .setSyntax("proto3")
                // core/util/event.proto (oneof `what` holds file_version and summary)
                .addMessageType(message("Event",
                        field("wall_time", 1, Type.TYPE_DOUBLE),
                        field("step", 2, Type.TYPE_INT64),
                        field("file_version", 3, Type.TYPE_STRING),
                        field("summary", 5, ".tensorflow.Summary")))
                // core/framework/summary.proto (oneof `value` in Value holds simple_value and tensor)
                .addMessageType(message("Summary",
                        repeated(field("value", 1, ".tensorflow.Summary.Value")))
                        .addNestedType(message("Value",
                                field("node_name", 7, Type.TYPE_STRING),
                                field("tag", 1, Type.TYPE_STRING),
                                field("metadata", 9, ".tensorflow.SummaryMetadata"),
                                field("simple_value", 2, Type.TYPE_FLOAT),
                                field("tensor", 8, ".tensorflow.TensorProto"))))
                .addMessageType(message("SummaryMetadata",
                        field("plugin_data", 1, ".tensorflow.SummaryMetadata.PluginData"),
                        field("display_name", 2, Type.TYPE_STRING),
                        field("summary_description", 3, Type.TYPE_STRING),
                        field("data_class", 4, Type.TYPE_INT32)) // an enum DataClass upstream; the same varint
                        .addNestedType(message("PluginData",
                                field("plugin_name", 1, Type.TYPE_STRING),
                                field("content", 2, Type.TYPE_BYTES))))
                // core/framework/tensor.proto: dtype is the enum DataType (DT_FLOAT = 1) upstream
                .addMessageType(message("TensorProto",
                        field("dtype", 1, Type.TYPE_INT32),
                        field("tensor_shape", 2, ".tensorflow.TensorShapeProto")))
                // core/framework/tensor_shape.proto
                .addMessageType(message("TensorShapeProto",
                        repeated(field("dim", 2, ".tensorflow.TensorShapeProto.Dim")),
                        field("unknown_rank", 3, Type.TYPE_BOOL))
                        .addNestedType(message("Dim",
                                field("size", 1, Type.TYPE_INT64),
                                field("name", 2, Type.TYPE_STRING))))
                .build();
        FileDescriptorProto hparams = FileDescriptorProto.newBuilder()
                .setName("tunelog_test/hparams_plugin_data.proto")
                .setPackage("tensorboard.hparams")
                .setSyntax("proto3")
                .addDependency(StructProto.getDescriptor().getName())
                // plugins/hparams/plugin_data.proto (oneof `data`: experiment = 2, session_start_info = 3, session_end_info = 4)
                .addMessageType(message("HParamsPluginData",
                        field("version", 1, Type.TYPE_INT32),
                        field("session_start_info", 3, ".tensorboard.hparams.SessionStartInfo")))
                .addMessageType(message("SessionStartInfo",
                        repeated(field("hparams", 1, ".tensorboard.hparams.SessionStartInfo.HparamsEntry")),
                        field("model_uri", 2, Type.TYPE_STRING),
                        field("monitor_url", 3, Type.TYPE_STRING),
                        field("group_name", 4, Type.TYPE_STRING),
                        field("start_time_secs", 5, Type.TYPE_DOUBLE))
                        // map<string, google.protobuf.Value> hparams = 1, as protoc spells a map
                        .addNestedType(message("HparamsEntry",
                                field("key", 1, Type.TYPE_STRING),
                                field("value", 2, ".google.protobuf.Value"))
                                .setOptions(MessageOptions.newBuilder().setMapEntry(true))))
                .build();
        try {
            FileDescriptor tf = FileDescriptor.buildFrom(tensorflow, new FileDescriptor[0]);
            FileDescriptor hp = FileDescriptor.buildFrom(hparams, new FileDescriptor[] {StructProto.getDescriptor()});
            EVENT = tf.findMessageTypeByName("Event");
            SUMMARY_VALUE = tf.findMessageTypeByName("Summary").findNestedTypeByName("Value");
            HPARAMS_PLUGIN_DATA = hp.findMessageTypeByName("HParamsPluginData");
        } catch (DescriptorValidationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    private TensorBoardEventDecoder() {}

    /** The records' payloads, after checking each one's length and both of its CRCs. */
    static List<byte[]> records(byte[] file) {
        ByteBuffer in = ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN);
        List<byte[]> records = new ArrayList<>();
        while (in.hasRemaining()) {
            int at = in.position();
            if (in.remaining() < 12) {
                throw new CorruptRecordException("record at byte " + at + ": truncated header");
            }
            byte[] lengthBytes = new byte[8];
            in.get(lengthBytes);
            int lengthCrc = in.getInt();
            if (lengthCrc != masked(lengthBytes)) {
                throw new CorruptRecordException("record at byte " + at + ": length CRC does not match");
            }
            long length = ByteBuffer.wrap(lengthBytes).order(ByteOrder.LITTLE_ENDIAN).getLong();
            if (length < 0 || length > in.remaining() - 4L) {
                throw new CorruptRecordException("record at byte " + at + ": length " + length + " runs past the end");
            }
            byte[] data = new byte[(int) length];
            in.get(data);
            int dataCrc = in.getInt();
            if (dataCrc != masked(data)) {
                throw new CorruptRecordException("record at byte " + at + ": data CRC does not match");
            }
            records.add(data);
        }
        return records;
    }

    /** Every record parsed as a tensorflow.Event, refusing any field the definitions above do not know. */
    static List<DynamicMessage> events(byte[] file) throws InvalidProtocolBufferException {
        List<DynamicMessage> events = new ArrayList<>();
        for (byte[] record : records(file)) {
            DynamicMessage event = DynamicMessage.parseFrom(EVENT, record);
            requireKnownFields(event);
            events.add(event);
        }
        return events;
    }

    /** The HParamsPluginData in a Summary.Value's metadata.plugin_data.content. */
    static DynamicMessage pluginData(DynamicMessage summaryValue) throws InvalidProtocolBufferException {
        Message pluginData = (Message) get((Message) get(summaryValue, "metadata"), "plugin_data");
        DynamicMessage data = DynamicMessage.parseFrom(HPARAMS_PLUGIN_DATA,
                (com.google.protobuf.ByteString) get(pluginData, "content"));
        requireKnownFields(data);
        return data;
    }

    /** A field by name, so that tests read like the .proto files. */
    static Object get(Message m, String field) {
        FieldDescriptor f = m.getDescriptorForType().findFieldByName(field);
        if (f == null) {
            throw new IllegalArgumentException(m.getDescriptorForType().getFullName() + " has no field " + field);
        }
        return m.getField(f);
    }

    static boolean has(Message m, String field) {
        return m.hasField(m.getDescriptorForType().findFieldByName(field));
    }

    /** A field with an unknown number, or a known number with the wrong wire type, parses as unknown. */
    private static void requireKnownFields(Message m) {
        if (!m.getUnknownFields().asMap().isEmpty()) {
            throw new CorruptRecordException(m.getDescriptorForType().getFullName() + " has unknown fields "
                    + m.getUnknownFields().asMap().keySet());
        }
        for (Map.Entry<FieldDescriptor, Object> e : m.getAllFields().entrySet()) {
            if (e.getKey().getJavaType() != FieldDescriptor.JavaType.MESSAGE) {
                continue;
            }
            if (e.getValue() instanceof List<?> list) {
                list.forEach(item -> requireKnownFields((Message) item));
            } else {
                requireKnownFields((Message) e.getValue());
            }
        }
    }

    private static int masked(byte[] bytes) {
        CRC32C crc32c = new CRC32C();
        crc32c.update(bytes, 0, bytes.length);
        int crc = (int) crc32c.getValue();
        return Integer.rotateRight(crc, 15) + 0xa282ead8;
    }

    private static DescriptorProto.Builder message(String name, FieldDescriptorProto... fields) {
        DescriptorProto.Builder b = DescriptorProto.newBuilder().setName(name);
        for (FieldDescriptorProto f : fields) {
            b.addField(f);
        }
        return b;
    }

    private static FieldDescriptorProto field(String name, int number, Type type) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(type)
                .setLabel(Label.LABEL_OPTIONAL).build();
    }

    private static FieldDescriptorProto field(String name, int number, String messageType) {
        return FieldDescriptorProto.newBuilder().setName(name).setNumber(number).setType(Type.TYPE_MESSAGE)
                .setTypeName(messageType).setLabel(Label.LABEL_OPTIONAL).build();
    }

    private static FieldDescriptorProto repeated(FieldDescriptorProto f) {
        return f.toBuilder().setLabel(Label.LABEL_REPEATED).build();
    }
}
