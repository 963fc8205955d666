package io.tunelog.domain.spec;

/** A spec that cannot be accepted, naming the field (a dotted path such as {@code budget.trials}). */
public final class SpecException extends RuntimeException {
    private final String field;

    public SpecException(String field, String problem) {
        super(field + ": " + problem);
        this.field = field;
    }

    /** The dotted path of the offending field, or {@code (spec)} for the document as a whole. */
    public String field() {
        return field;
    }
}
