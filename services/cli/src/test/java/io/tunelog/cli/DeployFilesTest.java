package io.tunelog.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.tunelog.health.HealthServer;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.WorkQueue;
import io.tunelog.platform.Platform;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import picocli.CommandLine;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.ParseResult;

/**
 * Static checks of deploy/kubernetes and deploy/compose: there is no cluster and no Docker engine here, so this is
 * all the validation they get. Each tunelog command line in them is parsed by the real picocli command, so a
 * manifest cannot pass an option that does not exist. Every check has a case below that it rejects.
 */
class DeployFilesTest {
    /** Surefire runs in services/cli. */
    private static final Path DEPLOY = Path.of("../../deploy");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern VAR_REF = Pattern.compile("\\$\\(([A-Za-z_][A-Za-z0-9_]*)\\)");
    private static final Pattern TUNELOG_IMAGE = Pattern.compile("(^|/)tunelog(:[^/]*)?(@.*)?$");

    @Test
    void shouldFindEveryKubernetesObjectWeShip() throws IOException {
        List<JsonNode> objects = kubernetesObjects();

        assertThat(objects).extracting(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText())
                .contains("Namespace/tunelog", "Secret/tunelog-kafka", "PersistentVolumeClaim/tunelog-checkpoints",
                        "Deployment/tunelog-scheduler", "Deployment/tunelog-suggestion", "Deployment/tunelog-registry",
                        "Deployment/tunelog-worker", "HorizontalPodAutoscaler/tunelog-worker", "Secret/tunelog-http-tokens",
                        "Secret/tunelog-gateway-tls", "Deployment/tunelog-gateway", "Service/tunelog-gateway");
    }

    @Test
    void shouldPassEveryCheckOnTheKubernetesManifests() throws IOException {
        assertThat(checkKubernetes(kubernetesObjects())).isEmpty();
    }

    @Test
    void shouldRunEachServiceAndWorkersWithOneSharedStorage() throws IOException {
        List<JsonNode> objects = kubernetesObjects();
        Set<String> only = new HashSet<>();
        Set<Path> registryStorage = new HashSet<>();
        Set<Path> workerStorage = new HashSet<>();
        for (JsonNode d : ofKind(objects, "Deployment")) {
            for (JsonNode c : d.at("/spec/template/spec/containers")) {
                ParseResult sub = parse(strings(c.path("args"))).subcommand();
                if (sub.commandSpec().name().equals("services")) {
                    List<String> names = sub.matchedOptionValue("--only", List.of());
                    only.addAll(names);
                    if (names.contains("registry")) {
                        registryStorage.addAll(sub.matchedOptionValue("--storage", List.of()));
                    }
                } else if (sub.commandSpec().name().equals("worker")) {
                    workerStorage.add(sub.matchedOptionValue("--storage", Path.of("~/tunelog_results")));
                }
            }
        }
        assertThat(only).isEqualTo(Platform.SERVICES);
        // Checkpoints are logged by absolute path: the registry must see them where the workers wrote them.
        assertThat(workerStorage).containsExactly(Path.of("/var/lib/tunelog/checkpoints"));
        assertThat(registryStorage).isEqualTo(workerStorage);
    }

    @Test
    void shouldScaleWorkersOnTheQueueTheyReallyRead() throws IOException {
        JsonNode hpa = ofKind(kubernetesObjects(), "HorizontalPodAutoscaler").get(0);
        JsonNode external = hpa.at("/spec/metrics/0/external/metric/selector/matchLabels");

        assertThat(external.path("group").asText()).isEqualTo(WorkQueue.WORKERS_GROUP);
        assertThat(external.path("topic").asText()).isEqualTo(Topics.ASSIGNMENTS);
    }

    @Test
    void shouldScrapeEveryLongRunningPodWithThePodMonitor() throws IOException {
        assertThat(checkPodMonitor(podMonitor(), kubernetesObjects())).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenPodMonitors")
    void shouldRejectABrokenPodMonitor(String what, String from, String to, String problem) throws IOException {
        String monitor = Files.readString(DEPLOY.resolve("kubernetes/monitoring/podmonitor.yaml"));
        assertThat(monitor).as("the case must change something").contains(from);

        assertThat(checkPodMonitor(documents(monitor.replace(from, to)).get(0), kubernetesObjects()))
                .anySatisfy(p -> assertThat(p).contains(problem));
    }

    static Stream<Arguments> brokenPodMonitors() {
        return Stream.of(
                Arguments.of("port of no container", "port: health", "port: metrics",
                        "Deployment/tunelog-scheduler has no port metrics serving --health-port"),
                Arguments.of("another path", "path: /metrics", "path: /prometheus", "path /prometheus, not /metrics"),
                Arguments.of("selecting no pod", "      app.kubernetes.io/name: tunelog\n", "      app.kubernetes.io/name: other\n",
                        "does not select Deployment/tunelog-worker"),
                Arguments.of("another namespace", "namespace: tunelog", "namespace: monitoring", "does not select Deployment/tunelog-gateway"));
    }

    @Test
    void shouldPassEveryCheckOnTheComposeFile() throws IOException {
        List<JsonNode> docs = documents(Files.readString(DEPLOY.resolve("compose/compose.yaml")));

        assertThat(docs).hasSize(1);
        assertThat(docs.get(0).path("services").fieldNames()).toIterable()
                .contains("kafka", "scheduler", "suggestion", "registry", "worker-1", "worker-2", "gateway");
        assertThat(checkCompose(docs.get(0))).isEmpty();
    }

    @Test
    void shouldAcceptTheSmallManifestTheNegativeCasesBreak() {
        assertThat(checkKubernetes(documents(VALID_MANIFEST))).isEmpty();
        assertThat(checkCompose(documents(VALID_COMPOSE).get(0))).isEmpty();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenManifests")
    void shouldRejectABrokenManifest(String what, String from, String to, String problem) {
        assertThat(VALID_MANIFEST).as("the case must change something").contains(from);

        assertThat(checkKubernetes(documents(VALID_MANIFEST.replace(from, to)))).anySatisfy(p -> assertThat(p).contains(problem));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("brokenComposeFiles")
    void shouldRejectABrokenComposeFile(String what, String from, String to, String problem) {
        assertThat(VALID_COMPOSE).as("the case must change something").contains(from);

        assertThat(checkCompose(documents(VALID_COMPOSE.replace(from, to)).get(0))).anySatisfy(p -> assertThat(p).contains(problem));
    }

    static Stream<Arguments> brokenManifests() {
        return Stream.of(
                Arguments.of("no metadata.name", "kind: Namespace\nmetadata:\n  name: demo\n", "kind: Namespace\nmetadata: {}\n",
                        "Namespace/?: no metadata.name"),
                Arguments.of("no apiVersion", "apiVersion: v1\nkind: Secret", "kind: Secret", "Secret/kafka: no apiVersion"),
                Arguments.of("namespace not shipped", "  namespace: demo\ntype: Opaque", "  namespace: other\ntype: Opaque",
                        "Secret/kafka: namespace other is not among the manifests"),
                Arguments.of("selector not in the template's labels", "    matchLabels:\n      app: worker",
                        "    matchLabels:\n      app: workers", "spec.selector.matchLabels app=workers"),
                Arguments.of("no image", "          image: tunelog:latest\n", "", "container worker: no image"),
                Arguments.of("no readiness probe", "          readinessProbe:\n            httpGet:\n              path: /health/ready\n",
                        "          readyProbe:\n            httpGet:\n              path: /health/ready\n",
                        "container worker: no readinessProbe.httpGet"),
                Arguments.of("liveness on the wrong path", "path: /health/live", "path: /healthz",
                        "livenessProbe path /healthz, not /health/live"),
                Arguments.of("probe port not --health-port", "- --health-port\n            - \"8080\"",
                        "- --health-port\n            - \"8081\"", "readinessProbe port 8080, not --health-port 8081"),
                Arguments.of("health served on loopback", "\"0.0.0.0\"", "\"127.0.0.1\"",
                        "--health-host 127.0.0.1: probes come from outside the pod"),
                Arguments.of("option that does not exist", "- --slots", "- --slot", "Unknown options: '--slot'"),
                Arguments.of("number where Kubernetes wants a string", "- \"2\"", "- 2", "args[2] is not a string"),
                Arguments.of("entrypoint replaced", "        - name: worker\n", "        - name: worker\n          command: [sh]\n",
                        "sets command"),
                Arguments.of("no bootstrap servers", "            - name: KAFKA_BOOTSTRAP_SERVERS\n",
                        "            - name: KAFKA_SERVERS\n", "no KAFKA_BOOTSTRAP_SERVERS and no --bootstrap-servers"),
                Arguments.of("secret key missing", "key: bootstrap.servers", "key: bootstrap",
                        "secret kafka has no key bootstrap"),
                Arguments.of("undeclared $(VAR)", "            - name: POD_NAME\n", "            - name: POD\n",
                        "$(POD_NAME) is not among its env"),
                Arguments.of("no resources", "          resources:\n", "          resourcez:\n", "no resources.requests"),
                Arguments.of("mount of no volume", "            - name: checkpoints\n              mountPath",
                        "            - name: chekpoints\n              mountPath", "mounts chekpoints, not a volume"),
                Arguments.of("claim not shipped", "claimName: checkpoints", "claimName: other",
                        "claim other is not among the manifests"),
                Arguments.of("HPA on a missing Deployment", "    kind: Deployment\n    name: worker", "    kind: Deployment\n    name: workers",
                        "scaleTargetRef Deployment/workers is not among the manifests"),
                Arguments.of("HPA without metrics", "  metrics:\n    - type: External", "  metricz:\n    - type: External",
                        "no metrics"),
                Arguments.of("gateway open to anyone", "--tokens-file, /etc/tokens/tokens", "--no-auth",
                        "container gateway: --no-auth serves HTTP to anyone who can connect; give --tokens-file"),
                Arguments.of("gateway without tokens", "--tokens-file, /etc/tokens/tokens,", "",
                        "container gateway: serves HTTP without --tokens-file"),
                Arguments.of("tokens file not mounted", "mountPath: /etc/tokens", "mountPath: /etc/tokenz",
                        "--tokens-file /etc/tokens/tokens is not in a volume the container mounts"),
                Arguments.of("secret volume of no secret", "secretName: tls", "secretName: tlz",
                        "volume tls: secret tlz is not among the manifests"),
                Arguments.of("secret item not in the secret", "- key: server.p12", "- key: server.pfx",
                        "volume tls: secret tls has no key server.pfx"),
                Arguments.of("keystore password not mounted", "--tls-keystore-password-file, /etc/tls/password",
                        "--tls-keystore-password-file, /etc/tlz/password", "--tls-keystore-password-file /etc/tlz/password is not in a volume the container mounts"),
                Arguments.of("Service selecting no pod", "  selector:\n    app: gateway", "  selector:\n    app: gateways",
                        "Service/gateway: selector app=gateways matches no Deployment's pods"),
                Arguments.of("Service to a port the pod lacks", "targetPort: https", "targetPort: http",
                        "Service/gateway: targetPort http is not a port of Deployment/gateway"),
                Arguments.of("pod not scraped", "prometheus.io/scrape: \"true\"\n", "prometheus.io/scrape: \"false\"\n",
                        "container worker: no prometheus.io/scrape \"true\""),
                Arguments.of("scrape on another port", "prometheus.io/port: \"8080\"\n", "prometheus.io/port: \"9090\"\n",
                        "container worker: prometheus.io/port 9090, not --health-port 8080"),
                Arguments.of("scrape on another path", "prometheus.io/path: /metrics}", "prometheus.io/path: /prometheus}",
                        "container gateway: prometheus.io/path /prometheus, not /metrics"),
                Arguments.of("annotation not a string", "prometheus.io/port: \"8080\"\n", "prometheus.io/port: 8080\n",
                        "Deployment/worker: annotation prometheus.io/port is not a string"));
    }

    static Stream<Arguments> brokenComposeFiles() {
        return Stream.of(
                Arguments.of("neither image nor build", "    image: apache/kafka:4.3.2\n", "", "kafka: neither image nor build"),
                Arguments.of("depends on a missing service", "      kafka:\n        condition", "      kafka-1:\n        condition",
                        "worker: depends on kafka-1, which is not a service"),
                Arguments.of("option that does not exist", "--slots", "--slot", "Unknown options: '--slot'"),
                Arguments.of("no healthcheck", "    healthcheck:", "    healthchek:", "worker: no healthcheck"),
                Arguments.of("healthcheck on another port", "http://127.0.0.1:8080/health/ready",
                        "http://127.0.0.1:9090/health/ready", "healthcheck does not ask"),
                Arguments.of("health served on loopback", "0.0.0.0", "127.0.0.1", "--health-host 127.0.0.1"),
                Arguments.of("volume not declared", "      - checkpoints:/var", "      - checkpointz:/var",
                        "volume checkpointz is not declared"),
                Arguments.of("gateway open to anyone", "--tokens-file, /run/secrets/tokens", "--no-auth",
                        "gateway: --no-auth serves HTTP to anyone who can connect"),
                Arguments.of("secret not declared", "secrets:\n  tokens:", "secrets:\n  tokenz:",
                        "gateway: secret tokens is not declared under secrets"),
                Arguments.of("tokens file not mounted", "secrets: [tokens]", "secrets: []",
                        "gateway: --tokens-file /run/secrets/tokens is not in a volume the container mounts"));
    }

    private static final String VALID_MANIFEST = """
            apiVersion: v1
            kind: Namespace
            metadata:
              name: demo
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: kafka
              namespace: demo
            type: Opaque
            stringData:
              bootstrap.servers: "kafka:9092"
            ---
            apiVersion: v1
            kind: PersistentVolumeClaim
            metadata:
              name: checkpoints
              namespace: demo
            spec:
              accessModes: [ReadWriteMany]
              resources:
                requests:
                  storage: 1Gi
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: worker
              namespace: demo
            spec:
              selector:
                matchLabels:
                  app: worker
              template:
                metadata:
                  annotations:
                    prometheus.io/scrape: "true"
                    prometheus.io/port: "8080"
                    prometheus.io/path: /metrics
                  labels:
                    app: worker
                    tier: batch
                spec:
                  containers:
                    - name: worker
                      image: tunelog:latest
                      args:
                        - worker
                        - --slots
                        - "2"
                        - --worker-id
                        - "$(POD_NAME)"
                        - --health-port
                        - "8080"
                        - --health-host
                        - "0.0.0.0"
                      env:
                        - name: POD_NAME
                          valueFrom:
                            fieldRef:
                              fieldPath: metadata.name
                        - name: KAFKA_BOOTSTRAP_SERVERS
                          valueFrom:
                            secretKeyRef:
                              name: kafka
                              key: bootstrap.servers
                      ports:
                        - name: health
                          containerPort: 8080
                      livenessProbe:
                        httpGet:
                          path: /health/live
                          port: health
                      readinessProbe:
                        httpGet:
                          path: /health/ready
                          port: 8080
                      resources:
                        requests: {cpu: 100m, memory: 256Mi}
                        limits: {memory: 512Mi}
                      volumeMounts:
                        - name: checkpoints
                          mountPath: /data
                  volumes:
                    - name: checkpoints
                      persistentVolumeClaim:
                        claimName: checkpoints
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: tokens
              namespace: demo
            stringData:
              tokens: "# lines from tunelog token new"
            ---
            apiVersion: v1
            kind: Secret
            metadata:
              name: tls
              namespace: demo
            data:
              server.p12: ""
            stringData:
              password: "placeholder"
            ---
            apiVersion: apps/v1
            kind: Deployment
            metadata:
              name: gateway
              namespace: demo
            spec:
              selector:
                matchLabels:
                  app: gateway
              template:
                metadata:
                  annotations: {prometheus.io/scrape: "true", prometheus.io/port: "8080", prometheus.io/path: /metrics}
                  labels:
                    app: gateway
                spec:
                  containers:
                    - name: gateway
                      image: tunelog:latest
                      args: [gateway, --host, "0.0.0.0", --port, "8443", --tokens-file, /etc/tokens/tokens,
                             --tls-keystore, /etc/tls/server.p12, --tls-keystore-password-file, /etc/tls/password,
                             --health-port, "8080", --health-host, "0.0.0.0"]
                      env:
                        - {name: KAFKA_BOOTSTRAP_SERVERS, value: "kafka:9092"}
                      ports:
                        - {name: https, containerPort: 8443}
                      livenessProbe: {httpGet: {path: /health/live, port: 8080}}
                      readinessProbe: {httpGet: {path: /health/ready, port: 8080}}
                      resources: {requests: {cpu: 100m}, limits: {memory: 1Gi}}
                      volumeMounts:
                        - {name: tokens, mountPath: /etc/tokens}
                        - {name: tls, mountPath: /etc/tls}
                  volumes:
                    - name: tokens
                      secret: {secretName: tokens}
                    - name: tls
                      secret:
                        secretName: tls
                        items:
                          - key: server.p12
                            path: server.p12
                          - key: password
                            path: password
            ---
            apiVersion: v1
            kind: Service
            metadata:
              name: gateway
              namespace: demo
            spec:
              selector:
                app: gateway
              ports:
                - {port: 443, targetPort: https}
            ---
            apiVersion: autoscaling/v2
            kind: HorizontalPodAutoscaler
            metadata:
              name: worker-hpa
              namespace: demo
            spec:
              scaleTargetRef:
                apiVersion: apps/v1
                kind: Deployment
                name: worker
              minReplicas: 1
              maxReplicas: 3
              metrics:
                - type: External
                  external:
                    metric:
                      name: lag
                    target:
                      type: AverageValue
                      averageValue: "1"
            """;

    private static final String VALID_COMPOSE = """
            x-tunelog: &tunelog
              image: tunelog:latest
              environment:
                KAFKA_BOOTSTRAP_SERVERS: kafka:9092
            services:
              kafka:
                image: apache/kafka:4.3.2
              worker:
                <<: *tunelog
                command: [worker, --slots, "2", --health-port, "8080", --health-host, 0.0.0.0]
                depends_on:
                  kafka:
                    condition: service_healthy
                healthcheck:
                  test: ["CMD", "curl", "-fsS", "http://127.0.0.1:8080/health/ready"]
                volumes:
                  - checkpoints:/var/lib/tunelog/checkpoints
                  - ./specs:/specs:ro
              gateway:
                <<: *tunelog
                command: [gateway, --host, 0.0.0.0, --tokens-file, /run/secrets/tokens, --health-port, "8080", --health-host, 0.0.0.0]
                secrets: [tokens]
                healthcheck:
                  test: ["CMD", "curl", "-fsS", "http://127.0.0.1:8080/health/ready"]
            volumes:
              checkpoints:
            secrets:
              tokens:
                file: ./tokens
            """;

    // ---- the checks ----

    /** Every problem found in these Kubernetes objects, each as "Kind/name: what". */
    static List<String> checkKubernetes(List<JsonNode> objects) {
        List<String> problems = new ArrayList<>();
        Set<String> namespaces = new HashSet<>();
        ofKind(objects, "Namespace").forEach(n -> namespaces.add(n.at("/metadata/name").asText()));
        for (JsonNode o : objects) {
            String id = o.path("kind").asText("?") + "/" + o.at("/metadata/name").asText("?");
            for (String field : List.of("apiVersion", "kind")) {
                if (o.path(field).asText().isBlank()) {
                    problems.add(id + ": no " + field);
                }
            }
            if (o.at("/metadata/name").asText().isBlank()) {
                problems.add(id + ": no metadata.name");
            }
            String ns = o.at("/metadata/namespace").asText();
            if (!ns.isEmpty() && !namespaces.contains(ns)) {
                problems.add(id + ": namespace " + ns + " is not among the manifests");
            }
            switch (o.path("kind").asText()) {
                case "Deployment" -> checkDeployment(id, o, objects, problems);
                case "HorizontalPodAutoscaler" -> checkAutoscaler(id, o, objects, problems);
                case "Service" -> checkService(id, o, objects, problems);
                default -> { }
            }
        }
        return problems;
    }

    private static void checkDeployment(String id, JsonNode d, List<JsonNode> objects, List<String> problems) {
        JsonNode selector = d.at("/spec/selector/matchLabels");
        JsonNode labels = d.at("/spec/template/metadata/labels");
        if (selector.isEmpty()) {
            problems.add(id + ": no spec.selector.matchLabels");
        }
        selector.properties().forEach(e -> {
            if (!e.getValue().equals(labels.get(e.getKey()))) {
                problems.add(id + ": spec.selector.matchLabels " + e.getKey() + "=" + e.getValue().asText()
                        + " is not among spec.template.metadata.labels");
            }
        });
        // Kubernetes refuses an annotation that is not a string, such as an unquoted port.
        d.at("/spec/template/metadata/annotations").properties().stream().filter(e -> !e.getValue().isTextual())
                .forEach(e -> problems.add(id + ": annotation " + e.getKey() + " is not a string"));
        JsonNode pod = d.at("/spec/template/spec");
        Set<String> volumes = new HashSet<>();
        for (JsonNode v : pod.path("volumes")) {
            volumes.add(v.path("name").asText());
            String claim = v.at("/persistentVolumeClaim/claimName").asText();
            if (!claim.isEmpty() && find(objects, "PersistentVolumeClaim", d, claim) == null) {
                problems.add(id + ": volume " + v.path("name").asText() + ": claim " + claim + " is not among the manifests");
            }
            String secretName = v.at("/secret/secretName").asText();
            if (!secretName.isEmpty()) {
                JsonNode secret = find(objects, "Secret", d, secretName);
                if (secret == null) {
                    problems.add(id + ": volume " + v.path("name").asText() + ": secret " + secretName + " is not among the manifests");
                } else {
                    for (JsonNode item : v.at("/secret/items")) {
                        String key = item.path("key").asText();
                        if (!secret.path("data").has(key) && !secret.path("stringData").has(key)) {
                            problems.add(id + ": volume " + v.path("name").asText() + ": secret " + secretName + " has no key " + key);
                        }
                    }
                }
            }
        }
        if (pod.path("containers").isEmpty()) {
            problems.add(id + ": no containers");
        }
        for (JsonNode c : pod.path("containers")) {
            String where = id + ": container " + c.path("name").asText("?");
            checkContainer(where, c, d, objects, volumes, problems);
        }
    }

    private static void checkContainer(String where, JsonNode c, JsonNode owner, List<JsonNode> objects, Set<String> volumes,
                                       List<String> problems) {
        String image = c.path("image").asText();
        if (image.isBlank()) {
            problems.add(where + ": no image");
        }
        for (String resources : List.of("requests", "limits")) {
            if (c.path("resources").path(resources).isEmpty()) {
                problems.add(where + ": no resources." + resources);
            }
        }
        Set<String> env = new HashSet<>();
        for (JsonNode e : c.path("env")) {
            env.add(e.path("name").asText());
            if (e.has("value") && !e.get("value").isTextual()) {
                problems.add(where + ": env " + e.path("name").asText() + " is not a string");
            }
            JsonNode ref = e.at("/valueFrom/secretKeyRef");
            if (!ref.isMissingNode()) {
                String secret = ref.path("name").asText();
                String key = ref.path("key").asText();
                JsonNode s = find(objects, "Secret", owner, secret);
                if (s == null) {
                    problems.add(where + ": secret " + secret + " is not among the manifests");
                } else if (!s.path("data").has(key) && !s.path("stringData").has(key)) {
                    problems.add(where + ": secret " + secret + " has no key " + key);
                }
            }
        }
        for (JsonNode m : c.path("volumeMounts")) {
            if (!volumes.contains(m.path("name").asText())) {
                problems.add(where + ": mounts " + m.path("name").asText() + ", not a volume of the pod");
            }
        }
        for (String field : List.of("command", "args")) {
            JsonNode list = c.path(field);
            for (int i = 0; i < list.size(); i++) {
                if (!list.get(i).isTextual()) {
                    problems.add(where + ": " + field + "[" + i + "] is not a string");
                }
                // Kubernetes leaves a $(VAR) it cannot resolve as it is.
                Matcher ref = VAR_REF.matcher(list.get(i).asText());
                while (ref.find()) {
                    if (!env.contains(ref.group(1))) {
                        problems.add(where + ": $(" + ref.group(1) + ") is not among its env");
                    }
                }
            }
        }
        if (!TUNELOG_IMAGE.matcher(image).find()) {
            return;
        }
        if (c.has("command")) {
            problems.add(where + ": sets command, which replaces the image's tunelog entrypoint; pass args only");
        }
        ParseResult sub;
        try {
            sub = parse(strings(c.path("args"))).subcommand();
        } catch (CommandLine.ParameterException e) {
            problems.add(where + ": tunelog " + strings(c.path("args")) + ": " + e.getMessage());
            return;
        }
        if (sub == null) {
            problems.add(where + ": args name no tunelog command");
            return;
        }
        if (!sub.hasMatchedOption("--bootstrap-servers") && !env.contains("KAFKA_BOOTSTRAP_SERVERS")) {
            problems.add(where + ": no KAFKA_BOOTSTRAP_SERVERS and no --bootstrap-servers");
        }
        List<String> mounts = new ArrayList<>();
        c.path("volumeMounts").forEach(m -> mounts.add(m.path("mountPath").asText()));
        checkHttpAccess(where, sub, mounts, problems);
        if (!isLongRunning(sub)) {
            return;
        }
        Integer port = healthPort(where, sub, problems);
        checkScrape(where, owner.at("/spec/template/metadata/annotations"), port, problems);
        for (String[] probe : new String[][] {{"livenessProbe", "/health/live"}, {"readinessProbe", "/health/ready"}}) {
            JsonNode get = c.path(probe[0]).path("httpGet");
            if (get.isMissingNode()) {
                problems.add(where + ": no " + probe[0] + ".httpGet");
                continue;
            }
            if (!get.path("path").asText().equals(probe[1])) {
                problems.add(where + ": " + probe[0] + " path " + get.path("path").asText() + ", not " + probe[1]);
            }
            Integer probed = containerPort(c, get.path("port"));
            if (port != null && !port.equals(probed)) {
                problems.add(where + ": " + probe[0] + " port " + probed + ", not --health-port " + port);
            }
        }
    }

    /** Prometheus's pod discovery scrapes a long-running command where it serves its meters: --health-port, /metrics. */
    private static void checkScrape(String where, JsonNode annotations, Integer port, List<String> problems) {
        if (!annotations.path("prometheus.io/scrape").asText().equals("true")) {
            problems.add(where + ": no prometheus.io/scrape \"true\" on its pod, so its /metrics is not scraped");
            return;
        }
        String scraped = annotations.path("prometheus.io/port").asText();
        if (port != null && !scraped.equals(port.toString())) {
            problems.add(where + ": prometheus.io/port " + scraped + ", not --health-port " + port);
        }
        String path = annotations.path("prometheus.io/path").asText();
        if (!path.equals(HealthServer.METRICS)) {
            problems.add(where + ": prometheus.io/path " + path + ", not " + HealthServer.METRICS);
        }
    }

    /** `services`, `worker` and `gateway` run until stopped and serve health; the others are one-shot. */
    private static boolean isLongRunning(ParseResult sub) {
        String name = sub.commandSpec().name();
        return (name.equals("services") || name.equals("worker") || name.equals("gateway")) && !sub.isUsageHelpRequested();
    }

    /**
     * A gateway, or services serving checkpoints, must want tokens from a file in a volume the container mounts (the
     * CLI would refuse to start otherwise, but only once deployed); the keystore likewise, its password from the env.
     */
    private static void checkHttpAccess(String where, ParseResult sub, List<String> mounts, List<String> problems) {
        String name = sub.commandSpec().name();
        if (sub.isUsageHelpRequested() || !(name.equals("gateway") || name.equals("services") && sub.hasMatchedOption("--registry-http-port"))) {
            return;
        }
        if (sub.hasMatchedOption("--no-auth")) {
            problems.add(where + ": --no-auth serves HTTP to anyone who can connect; give --tokens-file");
        } else if (!sub.hasMatchedOption("--tokens-file")) {
            problems.add(where + ": serves HTTP without --tokens-file, so it would not start");
        }
        for (String option : List.of("--tokens-file", "--tls-keystore", "--tls-keystore-password-file")) {
            Path file = sub.matchedOptionValue(option, null);
            if (file != null && mounts.stream().noneMatch(m -> file.startsWith(Path.of(m)))) {
                problems.add(where + ": " + option + " " + file + " is not in a volume the container mounts");
            }
        }
    }

    /** The --health-port of a long-running command, checked to be reachable from outside its container. */
    private static Integer healthPort(String where, ParseResult sub, List<String> problems) {
        Integer port = sub.matchedOptionValue("--health-port", null);
        if (port == null) {
            problems.add(where + ": no --health-port, so nothing answers its probes");
        }
        OptionSpec host = sub.commandSpec().findOption("--health-host");
        if (!"0.0.0.0".equals(host.getValue())) {
            problems.add(where + ": --health-host " + host.getValue() + ": probes come from outside the pod, give 0.0.0.0");
        }
        return port;
    }

    private static Integer containerPort(JsonNode container, JsonNode port) {
        if (port.isInt() || port.asText().matches("\\d+")) {
            return port.asInt();
        }
        for (JsonNode p : container.path("ports")) {
            if (p.path("name").asText().equals(port.asText())) {
                return p.path("containerPort").asInt();
            }
        }
        return null;
    }

    /** A Service must select some Deployment's pods, and a named targetPort must be one of their ports. */
    private static void checkService(String id, JsonNode service, List<JsonNode> objects, List<String> problems) {
        JsonNode selector = service.at("/spec/selector");
        String ns = service.at("/metadata/namespace").asText();
        List<JsonNode> selected = ofKind(objects, "Deployment").stream()
                .filter(d -> d.at("/metadata/namespace").asText().equals(ns))
                .filter(d -> !selector.isEmpty() && selector.properties().stream()
                        .allMatch(e -> e.getValue().equals(d.at("/spec/template/metadata/labels").get(e.getKey()))))
                .toList();
        if (selected.isEmpty()) {
            StringBuilder labels = new StringBuilder();
            selector.properties().forEach(e -> labels.append(labels.isEmpty() ? "" : ",").append(e.getKey()).append('=').append(e.getValue().asText()));
            problems.add(id + ": selector " + labels + " matches no Deployment's pods");
            return;
        }
        for (JsonNode port : service.at("/spec/ports")) {
            JsonNode target = port.path("targetPort");
            if (target.isMissingNode() || target.isInt()) {
                continue;
            }
            for (JsonNode d : selected) {
                boolean named = false;
                for (JsonNode c : d.at("/spec/template/spec/containers")) {
                    for (JsonNode p : c.path("ports")) {
                        named |= p.path("name").asText().equals(target.asText());
                    }
                }
                if (!named) {
                    problems.add(id + ": targetPort " + target.asText() + " is not a port of Deployment/" + d.at("/metadata/name").asText());
                }
            }
        }
    }

    private static void checkAutoscaler(String id, JsonNode hpa, List<JsonNode> objects, List<String> problems) {
        JsonNode target = hpa.at("/spec/scaleTargetRef");
        String kind = target.path("kind").asText();
        String name = target.path("name").asText();
        if (find(objects, kind, hpa, name) == null) {
            problems.add(id + ": scaleTargetRef " + kind + "/" + name + " is not among the manifests");
        }
        if (hpa.at("/spec/maxReplicas").asInt() < Math.max(1, hpa.at("/spec/minReplicas").asInt(1))) {
            problems.add(id + ": maxReplicas below minReplicas");
        }
        if (hpa.at("/spec/metrics").isEmpty()) {
            problems.add(id + ": no metrics");
        }
    }

    /**
     * Every problem of the Prometheus Operator's PodMonitor: it must select every Deployment that runs a long-running
     * tunelog command, in its namespace, and scrape each at /metrics on a named port that is the container's --health-port.
     */
    static List<String> checkPodMonitor(JsonNode monitor, List<JsonNode> objects) {
        List<String> problems = new ArrayList<>();
        if (!monitor.path("apiVersion").asText().equals("monitoring.coreos.com/v1") || !monitor.path("kind").asText().equals("PodMonitor")) {
            problems.add("not a monitoring.coreos.com/v1 PodMonitor");
        }
        JsonNode selector = monitor.at("/spec/selector/matchLabels");
        for (JsonNode d : ofKind(objects, "Deployment")) {
            String id = "Deployment/" + d.at("/metadata/name").asText();
            boolean serves = false;
            Set<String> healthPorts = new HashSet<>();
            for (JsonNode c : d.at("/spec/template/spec/containers")) {
                ParseResult sub = TUNELOG_IMAGE.matcher(c.path("image").asText()).find() ? parse(strings(c.path("args"))).subcommand() : null;
                if (sub == null || !isLongRunning(sub)) {
                    continue;
                }
                serves = true;
                Integer port = sub.matchedOptionValue("--health-port", null);
                c.path("ports").forEach(p -> {
                    if (port != null && p.path("containerPort").asInt() == port) {
                        healthPorts.add(p.path("name").asText());
                    }
                });
            }
            if (!serves) {
                continue;
            }
            boolean selected = d.at("/metadata/namespace").equals(monitor.at("/metadata/namespace")) && !selector.isEmpty()
                    && selector.properties().stream().allMatch(e -> e.getValue().equals(d.at("/spec/template/metadata/labels").get(e.getKey())));
            if (!selected) {
                problems.add("does not select " + id);
                continue;
            }
            for (JsonNode endpoint : monitor.at("/spec/podMetricsEndpoints")) {
                String port = endpoint.path("port").asText();
                if (!healthPorts.contains(port)) {
                    problems.add(id + " has no port " + port + " serving --health-port");
                }
                String path = endpoint.path("path").asText();
                if (!path.equals(HealthServer.METRICS)) {
                    problems.add("path " + path + ", not " + HealthServer.METRICS);
                }
            }
        }
        if (monitor.at("/spec/podMetricsEndpoints").isEmpty()) {
            problems.add("no podMetricsEndpoints");
        }
        return problems;
    }

    private static JsonNode podMonitor() throws IOException {
        List<JsonNode> docs = documents(Files.readString(DEPLOY.resolve("kubernetes/monitoring/podmonitor.yaml")));
        assertThat(docs).hasSize(1);
        return docs.get(0);
    }

    /** Every problem found in a compose file, each as "service: what". */
    static List<String> checkCompose(JsonNode compose) {
        List<String> problems = new ArrayList<>();
        JsonNode services = compose.path("services");
        if (services.isEmpty()) {
            problems.add("no services");
        }
        for (Map.Entry<String, JsonNode> entry : services.properties()) {
            String where = entry.getKey();
            JsonNode s = entry.getValue();
            if (!s.has("image") && !s.has("build")) {
                problems.add(where + ": neither image nor build");
            }
            JsonNode deps = s.path("depends_on");
            Iterator<String> targets = deps.isArray() ? strings(deps).iterator() : deps.fieldNames();
            targets.forEachRemaining(t -> {
                if (!services.has(t)) {
                    problems.add(where + ": depends on " + t + ", which is not a service");
                }
            });
            for (JsonNode v : s.path("volumes")) {
                String source = v.isTextual() ? v.asText().split(":")[0] : v.path("source").asText();
                boolean named = !source.isEmpty() && !source.startsWith(".") && !source.startsWith("/") && !source.startsWith("~");
                if (named && !compose.path("volumes").has(source)) {
                    problems.add(where + ": volume " + source + " is not declared under volumes");
                }
            }
            for (JsonNode secret : s.path("secrets")) {
                String source = secret.isTextual() ? secret.asText() : secret.path("source").asText();
                if (!compose.path("secrets").has(source)) {
                    problems.add(where + ": secret " + source + " is not declared under secrets");
                }
            }
            if (TUNELOG_IMAGE.matcher(s.path("image").asText()).find()) {
                checkComposeTunelog(where, s, problems);
            }
        }
        return problems;
    }

    private static void checkComposeTunelog(String where, JsonNode s, List<String> problems) {
        JsonNode command = s.path("command");
        for (int i = 0; i < command.size(); i++) {
            if (!command.get(i).isTextual()) {
                problems.add(where + ": command[" + i + "] is not a string");
            }
        }
        ParseResult sub;
        try {
            sub = parse(strings(command)).subcommand();
        } catch (CommandLine.ParameterException e) {
            problems.add(where + ": tunelog " + strings(command) + ": " + e.getMessage());
            return;
        }
        if (sub == null || !isLongRunning(sub)) {
            return;
        }
        JsonNode environment = s.path("environment");
        Set<String> env = new HashSet<>();
        if (environment.isArray()) {
            strings(environment).forEach(e -> env.add(e.split("=", 2)[0]));
        } else {
            environment.fieldNames().forEachRemaining(env::add);
        }
        // Where a file can come from in the container: a volume's target, or a secret under /run/secrets.
        List<String> mounts = new ArrayList<>();
        for (JsonNode v : s.path("volumes")) {
            String[] parts = v.isTextual() ? v.asText().split(":") : new String[] {"", v.path("target").asText()};
            if (parts.length > 1) {
                mounts.add(parts[1]);
            }
        }
        for (JsonNode secret : s.path("secrets")) {
            String target = secret.isTextual() ? secret.asText() : secret.path("target").asText(secret.path("source").asText());
            mounts.add(target.startsWith("/") ? target : "/run/secrets/" + target);
        }
        checkHttpAccess(where, sub, mounts, problems);
        if (!sub.hasMatchedOption("--bootstrap-servers") && !env.contains("KAFKA_BOOTSTRAP_SERVERS")) {
            problems.add(where + ": no KAFKA_BOOTSTRAP_SERVERS and no --bootstrap-servers");
        }
        Integer port = healthPort(where, sub, problems);
        JsonNode test = s.path("healthcheck").path("test");
        if (test.isMissingNode()) {
            problems.add(where + ": no healthcheck");
        } else if (!String.join(" ", test.isArray() ? strings(test) : List.of(test.asText()))
                .matches(".*:" + port + "/health/(ready|live)\\b.*")) {
            problems.add(where + ": healthcheck does not ask :" + port + "/health/ready or /health/live");
        }
    }

    // ---- reading ----

    private static List<JsonNode> kubernetesObjects() throws IOException {
        List<JsonNode> objects = new ArrayList<>();
        try (Stream<Path> files = Files.list(DEPLOY.resolve("kubernetes"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                objects.addAll(documents(Files.readString(f)));
            }
        }
        assertThat(objects).as("manifests under " + DEPLOY.toAbsolutePath().normalize()).isNotEmpty();
        return objects;
    }

    /**
     * Every non-empty document of a YAML stream. SnakeYAML (under jackson-dataformat-yaml, so already here) reads it,
     * because Jackson's YAML parser leaves aliases and merge keys (compose's {@code <<: *tunelog}) unresolved.
     */
    static List<JsonNode> documents(String yaml) {
        List<JsonNode> docs = new ArrayList<>();
        for (Object doc : new Yaml(new SafeConstructor(new LoaderOptions())).loadAll(yaml)) {
            if (doc != null) {
                docs.add(JSON.valueToTree(doc));
            }
        }
        return docs;
    }

    private static List<JsonNode> ofKind(List<JsonNode> objects, String kind) {
        return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).toList();
    }

    /** The object of this kind and name in the same namespace as {@code from}, or null. */
    private static JsonNode find(List<JsonNode> objects, String kind, JsonNode from, String name) {
        String ns = from.at("/metadata/namespace").asText();
        return ofKind(objects, kind).stream()
                .filter(o -> o.at("/metadata/name").asText().equals(name) && o.at("/metadata/namespace").asText().equals(ns))
                .findFirst().orElse(null);
    }

    private static List<String> strings(JsonNode list) {
        List<String> out = new ArrayList<>();
        list.forEach(n -> out.add(n.asText()));
        return out;
    }

    /** Parsed by the real command line, as `tunelog` would parse it. */
    private static ParseResult parse(List<String> args) {
        return Tunelog.commandLine().parseArgs(args.toArray(String[]::new));
    }
}
