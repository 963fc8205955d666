package io.tunelog.kafka;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.tunelog.kafka.AccessControl.Role;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.kafka.common.acl.AclBinding;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.acl.AclPermissionType;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.junit.jupiter.api.Test;

/** The roles' ACLs: least privilege, checked as the operations each role may do on each resource. */
class AccessControlTest {

    /** "WRITE TOPIC tunelog.events"-style lines of a role's literal grants (prefixed ones end in '*'). */
    private static Set<String> grants(Role role) {
        return AccessControl.bindings(role, "u").stream().map(AccessControlTest::line).collect(Collectors.toSet());
    }

    private static String line(AclBinding b) {
        return b.entry().operation() + " " + b.pattern().resourceType() + " " + b.pattern().name()
                + (b.pattern().patternType() == PatternType.PREFIXED ? "*" : "");
    }

    private static Set<String> writes(Role role) {
        return grants(role).stream().filter(g -> g.startsWith("WRITE TOPIC ")).map(g -> g.substring("WRITE TOPIC ".length()))
                .collect(Collectors.toSet());
    }

    @Test
    void shouldLetOnlyTheServicesWriteTheLog() {
        for (Role role : Role.values()) {
            boolean service = EnumSet.of(Role.SCHEDULER, Role.SUGGESTION, Role.REGISTRY).contains(role);
            assertThat(writes(role).contains(Topics.EVENTS)).as(role.name()).isEqualTo(service);
        }
    }

    @Test
    void shouldKeepEachRoleToTheTopicsItWrites() {
        assertThat(writes(Role.PRODUCER)).containsExactly(Topics.SUBMISSIONS);
        assertThat(writes(Role.WORKER)).containsExactlyInAnyOrder(Topics.REPORTS, Topics.HEARTBEATS);
        assertThat(writes(Role.GATEWAY)).as("it submits, and reports for its ask-and-tell clients")
                .containsExactlyInAnyOrder(Topics.SUBMISSIONS, Topics.REPORTS, Topics.HEARTBEATS);
        assertThat(writes(Role.AUDITOR)).isEmpty();
        assertThat(writes(Role.SCHEDULER)).containsExactlyInAnyOrder(Topics.EVENTS, Topics.SNAPSHOTS, Topics.DEAD_LETTERS,
                Topics.REJECTIONS, Topics.ASSIGNMENTS, Topics.CONTROL);
        assertThat(writes(Role.SUGGESTION)).containsExactlyInAnyOrder(Topics.EVENTS, Topics.SNAPSHOTS, Topics.DEAD_LETTERS);
    }

    @Test
    void shouldLetOnlyTheGateReadTheCommands() {
        for (Role role : Role.values()) {
            for (String command : List.of(Topics.SUBMISSIONS, Topics.REPORTS)) {
                assertThat(grants(role).contains("READ TOPIC " + command)).as(role + " reads " + command).isEqualTo(role == Role.SCHEDULER);
            }
        }
    }

    @Test
    void shouldLetNoRoleWriteTheKeyRegistryAndTheGateAndAuditorReadIt() {
        for (Role role : Role.values()) {
            assertThat(writes(role)).as(role.name()).doesNotContain(Topics.KEYS);
            assertThat(grants(role).contains("READ TOPIC " + Topics.KEYS)).as(role + " reads the keys")
                    .isEqualTo(role == Role.SCHEDULER || role == Role.AUDITOR);
        }
    }

    @Test
    void shouldGiveTheAuditorReadingAndNothingElse() {
        assertThat(AccessControl.bindings(Role.AUDITOR, "u")).extracting(b -> b.entry().operation())
                .containsOnly(AclOperation.READ, AclOperation.DESCRIBE);
        assertThat(grants(Role.AUDITOR)).contains("READ TOPIC " + Topics.EVENTS);
    }

    @Test
    void shouldAllowNeverDenyAndNameTheUser() {
        for (Role role : Role.values()) {
            assertThat(AccessControl.bindings(role, "worker-7")).allSatisfy(b -> {
                assertThat(b.entry().permissionType()).isEqualTo(AclPermissionType.ALLOW);
                assertThat(b.entry().principal()).isEqualTo("User:worker-7");
                assertThat(b.pattern().resourceType()).isNotEqualTo(ResourceType.CLUSTER);
            });
        }
    }

    @Test
    void shouldNameTheRolesWhenOneIsUnknown() {
        assertThat(Role.parse("Worker")).isEqualTo(Role.WORKER);
        assertThatThrownBy(() -> Role.parse("root")).hasMessage(
                "no role root; one of [producer, worker, scheduler, suggestion, registry, gateway, auditor]");
    }
}
