package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

class GatewayCommandTest {

    @Test
    void shouldListenOnLoopbackPort8080UnlessToldOtherwise() {
        GatewayCommand command = new GatewayCommand();
        new CommandLine(command).parseArgs("-b", "127.0.0.1:9092");
        assertThat(command.port).isEqualTo(8080);
        assertThat(command.host).isEqualTo("127.0.0.1");
        assertThat(command.kafka.bootstrapOrNull()).isEqualTo("127.0.0.1:9092");
        // Authentication is on unless the operator turns it off.
        assertThat(command.access.noAuth).isFalse();
        assertThat(command.access.given()).isFalse();
    }

    @Test
    void shouldRefuseToStartWithoutATokensFileUnlessToldNoAuth() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("gateway", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("the gateway needs --tokens-file").contains("or --no-auth");
    }

    @Test
    void shouldRefuseAPortOutOfRangeBeforeReachingKafka() {
        StringWriter err = new StringWriter();
        int exit = Tunelog.commandLine().setErr(new PrintWriter(err)).setOut(new PrintWriter(new StringWriter()))
                .execute("gateway", "--port", "70000", "--bootstrap-servers", "127.0.0.1:1");

        assertThat(exit).isEqualTo(Tunelog.BAD_INPUT);
        assertThat(err.toString()).contains("--port must be 0..65535, got 70000");
    }
}
