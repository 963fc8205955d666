package io.tunelog.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.tunelog.http.testing.TestTokens;
import io.tunelog.results.Json;
import io.tunelog.platform.testing.PlatformExtension;
import java.io.File;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.StreamSupport;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIf;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in a real headless Chromium (Debian's chromium and chromium-driver, driven by Selenium), opened
 * while an experiment runs on the real services: the trials appear, the curves are drawn, stopped trials are
 * marked, and the page follows the run to its end. Screenshots go to target/dashboard-*.png. The gateway wants
 * tokens: the page is opened with a read token in its fragment, as an operator would hand one out.
 *
 * <p>Without Chromium the test is skipped, unless TUNELOG_BROWSER_TESTS=required (CI sets it after installing
 * Chromium), when it fails.
 */
@EnabledIf(value = "chromiumPresent", disabledReason = "no Chromium here: apt-get install chromium chromium-driver to run the browser test")
class DashboardBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    static final String SPEC = """
            name: dashboard
            metric: {name: accuracy, mode: max}
            seed: 21
            budget: {trials: 12, concurrent: 4}
            searchSpace:
              lr: {loguniform: [0.0001, 1.0]}
              stepMillis: {choice: [120]}
            scheduler: {type: asha, maxT: 16, gracePeriod: 2, reductionFactor: 2}
            trial:
              trainable: io.tunelog.gateway.CurveTrainable
            """;

    @RegisterExtension
    static final PlatformExtension PLATFORM = PlatformExtension.inProcess().instance("dash").worker("dash-worker", 4);

    static final TestTokens TOKENS = TestTokens.create();
    static GatewayServer gateway;
    static ChromeDriver browser;

    /** Asked before the platform starts; CI installs Chromium and makes its absence a failure. */
    static boolean chromiumPresent() {
        boolean present = Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER);
        if (!present && "required".equals(System.getenv("TUNELOG_BROWSER_TESTS"))) {
            throw new IllegalStateException("TUNELOG_BROWSER_TESTS=required, but " + CHROMIUM + " or " + CHROMEDRIVER
                    + " is missing: apt-get install chromium chromium-driver");
        }
        return present;
    }

    @BeforeAll
    static void start() throws Exception {
        gateway = GatewayServer.start(PLATFORM.clients(), "127.0.0.1", 0, TOKENS.security());
        waitFor("gateway caught up", Duration.ofSeconds(60), gateway::caughtUp);

        ChromeOptions options = new ChromeOptions().setBinary(CHROMIUM.toFile())
                .addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000");
        // The driver is given, so Selenium Manager never looks for one to download.
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(CHROMEDRIVER.toFile()).build();
        browser = new ChromeDriver(service, options);
    }

    @AfterAll
    static void stop() {
        if (browser != null) {
            browser.quit();
        }
        if (gateway != null) {
            gateway.close();
        }
    }

    @Test
    void shouldShowTheTrialsAndCurvesOfARunningExperimentAndFollowItToTheEnd() throws Exception {
        String base = "http://127.0.0.1:" + gateway.port();
        HttpResponse<String> submitted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/experiments"))
                .header("Content-Type", "application/yaml").header("Authorization", TestTokens.bearer(TOKENS.submit()))
                .POST(HttpRequest.BodyPublishers.ofString(SPEC)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        String id = submitted.body().replaceAll(".*\"experimentId\"\\s*:\\s*\"([^\"]+)\".*", "$1");

        // Without a token the page loads, lists nothing and asks for one.
        browser.get(base + "/?experiment=" + id);
        waitFor("the page asks for a token", Duration.ofSeconds(10), () -> browser.findElement(By.id("login")).isDisplayed());
        assertThat(browser.findElement(By.id("login-message")).getText()).contains("no token");
        assertThat(browser.findElements(By.cssSelector("#experiments li"))).isEmpty();
        screenshot("token");

        browser.get(base + "/?experiment=" + id + "#token=" + TOKENS.read());
        JavascriptExecutor js = browser;
        waitFor("the token taken from the address", Duration.ofSeconds(10), () -> !browser.getCurrentUrl().contains("#"));
        assertThat(browser.getCurrentUrl()).doesNotContain(TOKENS.read());
        assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();

        // While it runs: some trials in the table, some curves drawn, and the run not over.
        waitFor("trials in the table", Duration.ofSeconds(60), () -> browser.findElements(By.cssSelector("#trials tbody tr")).size() >= 2);
        waitFor("curves drawn", Duration.ofSeconds(60), () -> curvesDrawn("RUNNING", "COMPLETED", "STOPPED") >= 1);
        String status = browser.findElement(By.id("summary")).getText();
        screenshot("running");
        assertThat(status).as("the page was looked at while the experiment ran").startsWith("RUNNING");
        assertThat(browser.findElement(By.cssSelector("#experiments li.selected")).getText()).contains("dashboard");

        // It follows the run live, through the event stream, to the end: every trial, ASHA's cuts marked.
        waitFor("the run followed to its end", Duration.ofSeconds(120), () -> browser.findElement(By.id("summary")).getText().startsWith("COMPLETED"));
        waitFor("every trial in the table", Duration.ofSeconds(10), () -> browser.findElements(By.cssSelector("#trials tbody tr")).size() == 12);
        screenshot("completed");
        assertThat(curvesDrawn("COMPLETED", "STOPPED")).as("a curve per trial").isEqualTo(12);
        long stopped = browser.findElements(By.cssSelector("#trials tbody tr.STOPPED")).size();
        assertThat(stopped).as("ASHA stopped trials, shown as stopped").isPositive();
        assertThat(curvesDrawn("STOPPED")).as("a curve per stopped trial").isEqualTo(stopped);
        assertThat((String) js.executeScript(
                "return echarts.getInstanceByDom(document.getElementById('curves')).getOption().series"
                        + ".filter(s => s.name.startsWith('stopped'))[0].lineStyle.type"))
                .as("stopped trials' curves dashed").isEqualTo("dashed");
        assertThat(seriesWithPoints(js, "best")).isEqualTo(1);
        assertThat(((Number) js.executeScript(
                "return echarts.getInstanceByDom(document.getElementById('parallel')).getOption().series[0].data.length")).longValue())
                .as("a line per trial with a value in the parallel coordinates").isEqualTo(12);
        assertThat(((Number) js.executeScript(
                "return echarts.getInstanceByDom(document.getElementById('timeline')).getOption().series"
                        + ".reduce((n, s) => n + s.data.length, 0)")).longValue())
                .as("a point per decision in the timeline").isPositive();

        // Sorting and filtering the table.
        browser.findElement(By.cssSelector("#trials th[data-key='lastValue']")).click();
        browser.findElement(By.cssSelector("#trials th[data-key='lastValue']")).click();
        List<Double> values = browser.findElements(By.cssSelector("#trials tbody tr td:nth-child(3)")).stream()
                .map(td -> Double.parseDouble(td.getText())).toList();
        assertThat(values).as("sorted by the metric, descending").isSortedAccordingTo((a, b) -> Double.compare(b, a));
        browser.findElement(By.id("filter")).sendKeys("STOPPED");
        assertThat(browser.findElements(By.cssSelector("#trials tbody tr"))).hasSize((int) stopped)
                .allSatisfy(row -> assertThat(row.getAttribute("class")).isEqualTo("STOPPED"));
        screenshot("filtered");

        // The token stays with the tab: the page opened again without it still reads.
        browser.get(base + "/?experiment=" + id);
        waitFor("the table drawn again", Duration.ofSeconds(30), () -> browser.findElements(By.cssSelector("#trials tbody tr")).size() == 12);
        assertThat(browser.findElement(By.id("login")).isDisplayed()).isFalse();
    }

    @Test
    void shouldDrawTheParetoFrontOfATwoObjectiveExperimentAsTheApiGivesIt() throws Exception {
        String base = "http://127.0.0.1:" + gateway.port();
        String id = submit(base, """
                name: dashboard-pareto
                metric: [{name: loss, mode: min}, {name: size, mode: min}]
                constraints: [{name: mem_gb, below: 16}]
                seed: 13
                budget: {trials: 16, concurrent: 4}
                searchSpace:
                  x: {uniform: [0, 1]}
                  y: {uniform: [0, 1]}
                trial:
                  trainable: io.tunelog.gateway.TradeOffTrainable
                """);
        browser.get(base + "/?experiment=" + id + "#token=" + TOKENS.read());
        waitFor("the run followed to its end", Duration.ofSeconds(120), () -> browser.findElement(By.id("summary")).getText().startsWith("COMPLETED"));
        waitFor("every trial in the table", Duration.ofSeconds(10), () -> browser.findElements(By.cssSelector("#trials tbody tr")).size() == 16);
        screenshot("pareto");

        JsonNode summary = Json.MAPPER.readTree(get(base + "/api/experiments/" + id));
        List<String> front = new ArrayList<>();
        summary.get("front").forEach(m -> front.add(m.get("trialId").asText()));
        JsonNode trials = Json.MAPPER.readTree(get(base + "/api/experiments/" + id + "/trials")).get("trials");
        long infeasible = StreamSupport.stream(trials.spliterator(), false).filter(t -> !t.get("feasible").asBoolean()).count();
        assertThat(front).as("a front").isNotEmpty();
        assertThat(infeasible).as("trials beyond the constraint").isPositive();
        assertThat(StreamSupport.stream(trials.spliterator(), false).filter(t -> t.get("onFront").asBoolean())
                .map(t -> t.get("trialId").asText()).sorted().toList()).as("the trial list marks the front").isEqualTo(front.stream().sorted().toList());
        assertThat(browser.findElement(By.id("summary")).getText()).endsWith("Pareto front of " + front.size());

        JavascriptExecutor js = browser;
        String drawn = browser.findElement(By.tagName("body")).getAttribute("data-front");
        assertThat(Json.MAPPER.readTree(drawn)).extracting(JsonNode::asText).containsExactlyInAnyOrderElementsOf(front);
        assertThat(((Number) js.executeScript("return echarts.getInstanceByDom(document.getElementById('best')).getOption()"
                + ".series.find(s => s.name.startsWith('infeasible')).data.length")).longValue())
                .as("every infeasible trial drawn apart").isEqualTo(infeasible);
        assertThat((String) js.executeScript("return echarts.getInstanceByDom(document.getElementById('best')).getOption().title[0].text"))
                .isEqualTo("Pareto front");
        assertThat(browser.findElements(By.cssSelector("#trials th[data-key='onFront'], #trials th[data-key='values.size']"))).hasSize(2);
    }

    private static String submit(String base, String spec) throws Exception {
        HttpResponse<String> submitted = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(base + "/api/experiments"))
                .header("Content-Type", "application/yaml").header("Authorization", TestTokens.bearer(TOKENS.submit()))
                .POST(HttpRequest.BodyPublishers.ofString(spec)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(202);
        return Json.MAPPER.readTree(submitted.body()).get("experimentId").asText();
    }

    private static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", TestTokens.bearer(TOKENS.read())).GET().build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return response.body();
    }

    /** How many trials' curves the page drew, of these statuses (it counts them as it draws). */
    private static long curvesDrawn(String... statuses) {
        String drawn = browser.findElement(By.tagName("body")).getAttribute("data-curves");
        if (drawn == null) {
            return 0;
        }
        long n = 0;
        for (String status : statuses) {
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("\"" + status + "\":(\\d+)").matcher(drawn);
            n += m.find() ? Long.parseLong(m.group(1)) : 0;
        }
        return n;
    }

    /** The number of series with at least one point in the named chart. */
    private static long seriesWithPoints(JavascriptExecutor js, String chart) {
        Object n = js.executeScript("const c = echarts.getInstanceByDom(document.getElementById(arguments[0]));"
                + "if (!c || !c.getOption()) return 0;"
                + "return (c.getOption().series || []).filter(s => s.data && s.data.length > 0).length;", chart);
        return ((Number) n).longValue();
    }

    private static void screenshot(String name) throws Exception {
        File shot = browser.getScreenshotAs(OutputType.FILE);
        Path target = Path.of("target", "dashboard-" + name + ".png");
        Files.createDirectories(target.getParent());
        Files.copy(shot.toPath(), target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    private static void waitFor(String what, Duration timeout, Supplier<Boolean> condition) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!condition.get()) {
            assertThat(System.nanoTime()).as(what + " within " + timeout.toSeconds() + " s").isLessThan(deadline);
            Thread.sleep(100);
        }
    }
}
