package io.strata.launcher.run;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.launcher.run.Containers.Result;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** --detach (the shim that writes the exit file) and `exec` into a running container. */
class NsexecDetachExecTest extends ContainerTest {

    private Result detached(Path bundle) {
        return containers.exec(containers.runCommand(bundle, "--detach", "--log", bundle.resolve("log").toString(),
                "--exit-file", bundle.resolve("exit").toString()));
    }

    @Test
    void detachPrintsThePidAndTheShimWritesTheExitStatus() throws Exception {
        Path bundle = containers.bundle(containers.config("sh", "-c", "echo to-the-log; exit 7"));
        Result r = detached(bundle);
        assertEquals(0, r.code(), r.err());
        long pid = Long.parseLong(r.out().strip());
        assertEquals("7", Containers.awaitFile(bundle.resolve("exit")));
        assertEquals(pid, Long.parseLong(Files.readString(bundle.resolve("pid"))));
        assertTrue(Files.readString(bundle.resolve("log")).contains("to-the-log"));
    }

    @Test
    void detachReportsAFailureToStartAtOnce() throws Exception {
        Path bundle = containers.bundle(containers.config("no-such-command"));
        Result r = detached(bundle);
        assertEquals(127, r.code());
        assertTrue(r.err().startsWith("strata-nsexec: exec no-such-command"), r.err());
        assertEquals("127", Containers.awaitFile(bundle.resolve("exit")));
    }

    @Test
    void execJoinsTheNamespacesOfARunningContainer() throws Exception {
        Path bundle = containers.bundle(containers.config("sleep", "1000"));
        Result started = detached(bundle);
        assertEquals(0, started.code(), started.err());
        String pid = started.out().strip();
        try {
            ObjectNode process = (ObjectNode) containers.config("sh", "-c",
                    "hostname; readlink /proc/self/ns/pid; echo $$; cat /proc/1/comm; id -u; pwd; grep :pids: /proc/self/cgroup;"
                            + " exit 9").get("process");
            process.putObject("user").put("uid", 1000).put("gid", 1000);
            process.put("cwd", "/tmp");
            Path processFile = bundle.resolve("process.json");
            Containers.JSON.writeValue(processFile.toFile(), process);
            Path pids = containers.cgroup("pids", Map.of());
            Result r = containers.exec(List.of(containers.helper().toString(), "exec", "--pid", pid,
                    "--process", processFile.toString(), "--cgroup", pids.toString()));
            assertEquals(9, r.code(), r.err());
            List<String> out = Arrays.stream(r.out().split("\n")).toList();
            assertEquals(Containers.HOSTNAME, out.get(0));
            assertEquals(Containers.readLink(Path.of("/proc", pid, "ns", "pid")), out.get(1), "the container's pid namespace");
            assertTrue(Integer.parseInt(out.get(2)) > 1, "not the container's pid 1: " + out.get(2));
            assertEquals("sleep", out.get(3), "pid 1 there is the container's command");
            assertEquals("1000", out.get(4));
            assertEquals("/tmp", out.get(5));
            assertTrue(out.get(6).endsWith(":pids:/" + pids.getFileName()), "joined the --cgroup: " + out.get(6));

            Result missing = containers.exec(List.of(containers.helper().toString(), "exec", "--pid", pid,
                    "--process", bundle.resolve("no-such.json").toString()));
            assertEquals(125, missing.code());
        } finally {
            ProcessHandle.of(Long.parseLong(pid)).ifPresent(ProcessHandle::destroyForcibly);
        }
        assertEquals("137", Containers.awaitFile(bundle.resolve("exit")));
    }
}
