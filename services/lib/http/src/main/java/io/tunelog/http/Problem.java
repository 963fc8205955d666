package io.tunelog.http;

/**
 * A request an HTTP server of ours (the gateway, the checkpoint server) answers with an error: the status, and
 * which part of the request or record is at fault (or null). {@link JsonResponses#problem} writes it.
 */
public final class Problem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public final int status;
    public final String field;

    public Problem(int status, String field, String message) {
        // A stack trace says nothing to the client, and these are thrown on every bad request.
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }
}
