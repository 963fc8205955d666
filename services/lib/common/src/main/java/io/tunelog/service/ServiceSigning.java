package io.tunelog.service;

import io.tunelog.security.RecordSignature;

/**
 * How a service instance takes part in the signed log (docs/SIGNING.md).
 *
 * @param signer               signs every record it writes to the log; null: its records go unsigned
 * @param requireSignedReports its gate, if it has one, admits only reports signed by their worker's registered key
 */
public record ServiceSigning(RecordSignature.Signer signer, boolean requireSignedReports) {
    /** Nothing signed, nothing required: the services as they were before signing. */
    public static final ServiceSigning OFF = new ServiceSigning(null, false);
}
