package io.tunelog.gateway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.tunelog.http.Problem;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What a client may send on a lease, and the one-line 400 naming the field when it sends something else. */
class WorkRequestsTest {

    @Test
    void shouldReadAReportACheckpointAndTheOutcomes() {
        assertThat(WorkRequests.report("{\"step\": 3, \"metrics\": {\"loss\": 0.25, \"acc\": 1}}"))
                .isEqualTo(new WorkRequests.Report(3, Map.of("loss", 0.25, "acc", 1.0)));
        assertThat(WorkRequests.report("{\"step\": 0}").metrics()).isEmpty();
        assertThat(WorkRequests.checkpoint("{\"name\": \"step-3\", \"step\": 3, \"uri\": \"s3://b/e/trial-00000/a1/step-3\"}"))
                .isEqualTo(new WorkRequests.CheckpointRef("step-3", 3, "s3://b/e/trial-00000/a1/step-3", 0, Map.of()));
        assertThat(WorkRequests.completion("").metrics()).isEmpty();
        assertThat(WorkRequests.completion("{\"metrics\": {\"loss\": 0.1}}").metrics()).containsEntry("loss", 0.1);
        assertThat(WorkRequests.failure("{\"error\": \"instrument offline\"}")).isEqualTo(new WorkRequests.Failure("instrument offline", true));
        assertThat(WorkRequests.failure("{\"error\": \"bad sample\", \"retryable\": false}").retryable()).isFalse();
    }

    @Test
    void shouldRefuseABadBodyNamingTheField() {
        assertBad(() -> WorkRequests.report("{\"metrics\": {}}"), "step", "missing");
        assertBad(() -> WorkRequests.report("{\"step\": -1}"), "step", "expected a whole number from 0, found number -1");
        assertBad(() -> WorkRequests.report("{\"step\": 1.5}"), "step", "expected a whole number from 0");
        assertBad(() -> WorkRequests.report("{\"step\": 1, \"metrics\": {\"loss\": \"low\"}}"), "metrics.loss", "expected a finite number");
        assertBad(() -> WorkRequests.report("{\"step\": 1, \"metrics\": [1]}"), "metrics", "expected an object of numbers");
        assertBad(() -> WorkRequests.report("{\"step\": 1, \"loss\": 2}"), "loss", "unknown field; expected metrics, step");
        assertBad(() -> WorkRequests.report("{\"step\": "), "body", "not JSON");
        assertBad(() -> WorkRequests.report("[1]"), "body", "expected a JSON object");
        assertBad(() -> WorkRequests.checkpoint("{\"name\": \"../x\", \"step\": 1, \"uri\": \"file:///x\"}"), "name", "without empty, '.' or '..'");
        assertBad(() -> WorkRequests.checkpoint("{\"name\": \"x\", \"step\": 1, \"uri\": \"relative/x\"}"), "uri", "expected an absolute URI");
        assertBad(() -> WorkRequests.checkpoint("{\"name\": \"x\", \"step\": 1, \"uri\": \"file:// x\"}"), "uri", "not a URI");
        assertBad(() -> WorkRequests.failure("{}"), "error", "missing");
        assertBad(() -> WorkRequests.failure("{\"error\": \"x\", \"retryable\": \"yes\"}"), "retryable", "expected true or false");
        assertBad(() -> WorkRequests.seconds("61", "wait", 0, 0, 60), "wait", "expected a whole number of seconds from 0 to 60, found 61");
        assertBad(() -> WorkRequests.seconds("soon", "leaseSeconds", 60, 1, 3600), "leaseSeconds", "found soon");
        assertThat(WorkRequests.seconds(null, "wait", 7, 0, 60)).isEqualTo(7);
    }

    private static void assertBad(Runnable call, String field, String message) {
        Problem p = catchThrowableOfType(Problem.class, call::run);
        assertThat(p).as("a Problem naming %s", field).isNotNull();
        assertThat(p.status).isEqualTo(400);
        assertThat(p.field).isEqualTo(field);
        assertThat(p.getMessage()).contains(message).doesNotContain("\n");
    }
}
