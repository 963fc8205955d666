package io.tunelog.gateway;

/** A request the gateway answers with an error: the HTTP status, and which part of the request is at fault (or null). */
final class Problem extends RuntimeException {
    private static final long serialVersionUID = 1L;

    final int status;
    final String field;

    Problem(int status, String field, String message) {
        // A stack trace says nothing to the client, and these are thrown on every bad request.
        super(message, null, false, false);
        this.status = status;
        this.field = field;
    }
}
