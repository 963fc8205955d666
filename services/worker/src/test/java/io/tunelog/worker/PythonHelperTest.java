package io.tunelog.worker;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PythonHelperTest {
    private static Path helperAt(Path dir) throws Exception {
        Files.createDirectories(dir.resolve("tunelog"));
        Files.writeString(dir.resolve("tunelog").resolve("__init__.py"), "");
        return dir;
    }

    private static Properties property(String value) {
        Properties p = new Properties();
        p.setProperty(PythonHelper.PROPERTY, value);
        return p;
    }

    @Test
    void shouldTakeTheVariableOverThePropertyBinTunelogSets(@TempDir Path dir) throws Exception {
        Path checkout = helperAt(dir.resolve("checkout"));
        Path release = helperAt(dir.resolve("release"));

        assertThat(PythonHelper.locate(Map.of(), property(checkout.toString())).dir()).isEqualTo(checkout);
        assertThat(PythonHelper.locate(Map.of(PythonHelper.VARIABLE, release.toString()), property(checkout.toString())).dir())
                .isEqualTo(release);
    }

    @Test
    void shouldHaveNoneAndSayWhyWhenNothingNamesItOrTheDirectoryHoldsNoPackage(@TempDir Path dir) {
        PythonHelper unnamed = PythonHelper.locate(Map.of(), new Properties());
        PythonHelper empty = PythonHelper.locate(Map.of(PythonHelper.VARIABLE, dir.toString()), new Properties());

        assertThat(unnamed.dir()).isNull();
        assertThat(unnamed.describe()).isEqualTo("Python trials run without the tunelog helper on PYTHONPATH: neither "
                + "TUNELOG_PYTHON_HELPER nor -Dtunelog.python.helper names it (bin/tunelog sets the property)");
        assertThat(empty.dir()).isNull();
        assertThat(empty.missing()).isEqualTo("TUNELOG_PYTHON_HELPER " + dir + " holds no tunelog package (no tunelog/__init__.py there)");
    }

    @Test
    void shouldGoFirstOnThePythonPathTheTrialWouldHaveHad(@TempDir Path dir) throws Exception {
        PythonHelper helper = PythonHelper.at(helperAt(dir), "test");

        assertThat(helper.pythonPath(null)).isEqualTo(dir.toString());
        assertThat(helper.pythonPath("")).isEqualTo(dir.toString());
        assertThat(helper.pythonPath("/opt/lib:/usr/local/lib")).isEqualTo(dir + ":/opt/lib:/usr/local/lib");
        assertThat(PythonHelper.none("none").pythonPath("/opt/lib")).isEqualTo("/opt/lib");
        assertThat(PythonHelper.none("none").pythonPath(null)).isNull();
    }
}
