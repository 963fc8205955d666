package io.tunelog.service;

import io.tunelog.kafka.Topics;
import io.tunelog.security.RecordSignature;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.Header;
import org.apache.kafka.common.header.internals.RecordHeader;

/**
 * What an event admitted from a signed report keeps of it (docs/SIGNING.md): the report's value bytes and its signer's
 * fingerprint and signature, so that an auditor can check the worker's own statement, not only the gate's word.
 */
final class ReportAttestation {
    private ReportAttestation() {}

    /** The headers to add to the event admitted from {@code command}; none unless it is a signed report. */
    static List<Header> headers(ConsumerRecord<String, byte[]> command) {
        if (!Topics.REPORTS.equals(command.topic())) {
            return List.of();
        }
        Header signer = command.headers().lastHeader(RecordSignature.SIGNER);
        Header sig = command.headers().lastHeader(RecordSignature.SIG);
        if (signer == null || sig == null) {
            return List.of();
        }
        return List.of(new RecordHeader(RecordSignature.REPORT, command.value()),
                new RecordHeader(RecordSignature.REPORT_SIGNER, signer.value()), new RecordHeader(RecordSignature.REPORT_SIG, sig.value()));
    }
}
