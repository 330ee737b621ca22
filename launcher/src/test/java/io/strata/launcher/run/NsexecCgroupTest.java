package io.strata.launcher.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.launcher.run.Containers.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --cgroup: the container's process is in the test's v1 cgroup directories before the command runs, so their limits hold. */
class NsexecCgroupTest extends ContainerTest {

    @Test
    void aMemoryLimitOomKillsTheContainer137() throws Exception {
        Map<String, String> limits = new LinkedHashMap<>();
        limits.put("memory.limit_in_bytes", "32m");
        if (Files.exists(Path.of("/sys/fs/cgroup/memory/memory.memsw.limit_in_bytes")))
            limits.put("memory.memsw.limit_in_bytes", "32m"); // no escape to swap
        Path memory = containers.cgroup("memory", limits);
        Result r = containers.run(containers.config("dd", "if=/dev/zero", "of=/dev/null", "bs=64M", "count=1"),
                "--cgroup", memory.toString());
        assertEquals(137, r.code(), r.err());
        assertTrue(Files.readString(memory.resolve("memory.oom_control")).contains("oom_kill 1"));
    }

    @Test
    void aPidsLimitMakesForkFail() throws Exception {
        Path pids = containers.cgroup("pids", Map.of("pids.max", "10"));
        Result r = containers.run(containers.config("sh", "-c",
                "n=0; while [ $n -lt 20 ]; do sleep 1000 & n=$((n+1)); done; echo all-started"), "--cgroup", pids.toString());
        assertNotEquals(0, r.code());
        assertTrue(r.err().contains("can't fork"), r.err());
        assertTrue(!r.out().contains("all-started"), r.out());
    }

    @Test
    void theContainerSeesItsCgroupAsTheRootOfItsCgroupNamespace() throws Exception {
        Path memory = containers.cgroup("memory", Map.of());
        Path pids = containers.cgroup("pids", Map.of());
        ObjectNode config = containers.config("sh", "-c", "cat /proc/self/cgroup; ls /sys/fs/cgroup/memory/tasks");
        Containers.cgroupNamespace(config);
        Result r = containers.run(config, "--cgroup", memory.toString(), "--cgroup", pids.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(":memory:/\n"), r.out());
        assertTrue(r.out().contains(":pids:/\n"), r.out());
        assertTrue(r.out().contains("/sys/fs/cgroup/memory/tasks"), "the container's own memory cgroup is mounted: " + r.out());
    }

    @Test
    void withoutACgroupNamespaceTheContainerSeesItsHostCgroupPath() throws Exception {
        Path pids = containers.cgroup("pids", Map.of());
        Result r = containers.run(containers.config("cat", "/proc/self/cgroup"), "--cgroup", pids.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains(":pids:/" + pids.getFileName() + "\n"), r.out());
    }
}
