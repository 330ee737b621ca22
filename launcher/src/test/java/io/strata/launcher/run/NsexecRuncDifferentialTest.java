package io.strata.launcher.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.launcher.run.Containers.Result;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The same OCI bundle under the host's runc and under strata-nsexec: the capability lines of /proc/self/status, the
 * sorted mount points (mountinfo field 5), uid/gid and hostname must match. runc applies linux.resources itself (a
 * cgroup of its own per container id); its state goes to the test's directory and the container is deleted in
 * finally.
 */
class NsexecRuncDifferentialTest extends ContainerTest {
    private static final String PROBE = "grep ^Cap /proc/self/status; echo ---; awk '{print $5}' /proc/self/mountinfo | sort;"
            + " echo ---; id; hostname";

    private static boolean runcAvailable() {
        return Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc"));
    }

    @ParameterizedTest
    @ValueSource(strings = {"docker-default", "user-and-cgroup-namespaces", "user-1000"})
    void runcAndStrataNsexecAgree(String variant) {
        assumeTrue(runcAvailable(), "runc is not installed (scripts/deps.sh installs it for the tests)");
        ObjectNode config = containers.config("sh", "-c", PROBE);
        switch (variant) {
            case "user-and-cgroup-namespaces" -> {
                Containers.userNamespace(config, 100000);
                Containers.cgroupNamespace(config);
            }
            case "user-1000" -> {
                ObjectNode user = ((ObjectNode) config.get("process")).putObject("user").put("uid", 1000).put("gid", 1000);
                user.putArray("additionalGids").add(5);
                ((ObjectNode) config.get("process").get("capabilities")).putArray("ambient").add("CAP_KILL");
                ((ObjectNode) config.get("process").get("capabilities")).putArray("inheritable").add("CAP_KILL");
            }
            default -> {
            }
        }
        Path bundle = containers.bundle(config);
        Result ours = containers.exec(containers.runCommand(bundle));
        assertEquals(0, ours.code(), ours.err());

        String id = "strata-test-" + UUID.randomUUID().toString().substring(0, 8);
        String state = containers.base().resolve("runc-state").toString();
        Result runc;
        try {
            runc = containers.exec(List.of("runc", "--root", state, "run", "--bundle", bundle.toString(), id));
        } finally {
            Containers.host("runc", "--root", state, "delete", "--force", id);
        }
        assertEquals(0, runc.code(), runc.err());

        List<String> a = sections(runc.out()), b = sections(ours.out());
        assertEquals(a.get(0), b.get(0), "capabilities");
        assertEquals(a.get(1), b.get(1), "mount points");
        assertEquals(a.get(2), b.get(2), "uid, gid, groups and hostname");
    }

    private static List<String> sections(String out) {
        return Arrays.stream(out.split("---\n")).map(String::strip).toList();
    }
}
