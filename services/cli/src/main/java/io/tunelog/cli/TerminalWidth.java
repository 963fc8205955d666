package io.tunelog.cli;

import picocli.CommandLine.Model.UsageMessageSpec;

/** How many columns the progress line may take. */
final class TerminalWidth {
    /** Not a terminal (a file, a pipe, a batch job's log): nothing wraps there, so lines are never cut. */
    static final int NOT_A_TERMINAL = Integer.MAX_VALUE;
    private static final int NARROWEST = 20;

    private TerminalWidth() {
    }

    /**
     * {@code COLUMNS} when it holds a number; else on a terminal its width as picocli reads it for usage help
     * ({@code stty}), 80 if that fails; else {@link #NOT_A_TERMINAL}.
     */
    static int columns(String columnsVariable, boolean terminal) {
        if (columnsVariable != null && columnsVariable.trim().matches("\\d{1,5}")) {
            return Math.max(NARROWEST, Integer.parseInt(columnsVariable.trim()));
        }
        return terminal ? new UsageMessageSpec().autoWidth(true).width() : NOT_A_TERMINAL;
    }
}
