package io.tunelog.cli;

import io.tunelog.kafka.AccessControl;
import io.tunelog.kafka.Topics;
import io.tunelog.kafka.WorkQueue;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ScramCredentialInfo;
import org.apache.kafka.clients.admin.ScramMechanism;
import org.apache.kafka.clients.admin.UserScramCredentialUpsertion;
import org.apache.kafka.common.acl.AclBinding;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** What an administrator runs once on a cluster with an authorizer, as a principal allowed to do it all. */
@Command(name = "security", mixinStandardHelpOptions = true,
        description = "Prepare a Kafka cluster that has ACLs: topics and the workers' share group, then users and their roles.",
        subcommands = {SecurityCommand.Setup.class, SecurityCommand.Grant.class})
final class SecurityCommand {

    @Command(name = "setup", mixinStandardHelpOptions = true,
            description = "Create Tunelog's topics and configure the workers' share group (the roles may do neither).")
    static final class Setup implements Callable<Integer> {
        @Mixin
        KafkaOptions kafka;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() {
            try (Admin admin = kafka.requiredClients().admin()) {
                Topics.ensure(admin, kafka.layout());
                WorkQueue.configure(admin, WorkQueue.WORKERS_GROUP);
            }
            command.commandLine().getOut().println("topics ready; share group " + WorkQueue.WORKERS_GROUP + " configured");
            return 0;
        }
    }

    @Command(name = "grant", mixinStandardHelpOptions = true,
            description = "Give a user the ACLs of one or more roles, making its SCRAM-SHA-512 credential when a password is given.")
    static final class Grant implements Callable<Integer> {
        private static final int SCRAM_ITERATIONS = 8192;

        @Mixin
        KafkaOptions kafka;

        @Option(names = "--user", required = true, description = "The user (its principal is User:<user>)")
        String user;

        @Option(names = "--role", required = true, split = ",",
                description = "producer, worker, scheduler, suggestion, registry, gateway or auditor (several: comma-separated)")
        List<String> roles;

        @Option(names = "--password-file", description = "File whose first line is the user's password (never on the command line)")
        Path passwordFile;

        @Option(names = "--dry-run", description = "Print the ACLs, change nothing")
        boolean dryRun;

        @Spec
        CommandSpec command;

        @Override
        public Integer call() throws InterruptedException {
            if (!user.matches("[A-Za-z0-9][A-Za-z0-9._-]{0,127}")) {
                throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--user: expected letters, digits, '.', '_' or '-', found \"" + user + "\"");
            }
            List<AclBinding> bindings = new ArrayList<>();
            for (String role : roles) {
                try {
                    bindings.addAll(AccessControl.bindings(AccessControl.Role.parse(role.strip()), user));
                } catch (IllegalArgumentException e) {
                    throw new Tunelog.UserError(Tunelog.BAD_INPUT, "--role: " + e.getMessage());
                }
            }
            String password = passwordFile == null ? null : SecretFile.read(passwordFile, "--password-file");
            var out = command.commandLine().getOut();
            bindings.forEach(b -> out.println(describe(b)));
            if (dryRun) {
                return 0;
            }
            try (Admin admin = kafka.requiredClients().admin()) {
                if (password != null) {
                    admin.alterUserScramCredentials(List.of(new UserScramCredentialUpsertion(user,
                            new ScramCredentialInfo(ScramMechanism.SCRAM_SHA_512, SCRAM_ITERATIONS), password))).all().get();
                }
                admin.createAcls(bindings).all().get();
            } catch (ExecutionException e) {
                throw new Tunelog.UserError(1, "cannot grant " + roles + " to " + user + ": " + e.getCause().getMessage());
            }
            out.println("granted " + String.join(",", roles) + " to User:" + user + (password != null ? " (SCRAM-SHA-512 credential set)" : ""));
            return 0;
        }

        private static String describe(AclBinding b) {
            return "ALLOW " + b.entry().principal() + " " + b.entry().operation() + " " + b.pattern().resourceType() + " "
                    + b.pattern().name() + (b.pattern().patternType() == org.apache.kafka.common.resource.PatternType.PREFIXED ? "*" : "");
        }
    }
}
