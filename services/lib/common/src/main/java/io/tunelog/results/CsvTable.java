package io.tunelog.results;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.SequenceWriter;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvSchema;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.util.List;

/**
 * A CSV table (RFC 4180: a header line, then one line per row, {@code \n} between them) written by Jackson's CSV
 * module, Jackson being the project's JSON library already: a cell holding a comma, a quote or a line break is
 * quoted, so a metric named {@code a,b} or a parameter value with a newline keeps its column.
 */
public final class CsvTable {
    private static final CsvMapper CSV = new CsvMapper();

    private CsvTable() {}

    /** The table's text; each row has a cell per column of the header, an empty string where it has no value. */
    public static String write(List<String> header, Iterable<? extends List<String>> rows) {
        CsvSchema.Builder schema = CsvSchema.builder();
        header.forEach(schema::addColumn);
        ObjectWriter writer = CSV.writerFor(String[].class).with(schema.build().withHeader());
        StringWriter out = new StringWriter();
        try (SequenceWriter lines = writer.writeValues(out)) {
            for (List<String> row : rows) {
                if (row.size() != header.size()) {
                    throw new IllegalArgumentException("a row of " + row.size() + " cells under " + header.size() + " columns");
                }
                lines.write(row.toArray(String[]::new));
            }
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write CSV", e);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a StringWriter does not fail
        }
        return out.toString();
    }
}
