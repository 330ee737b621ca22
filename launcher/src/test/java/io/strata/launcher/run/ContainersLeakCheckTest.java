package io.strata.launcher.run;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The fixture's leak checks find what a test leaves, remove it, and fail: otherwise the other tests prove nothing. */
class ContainersLeakCheckTest extends ContainerTest {

    @Test
    void aMountLeftUnderTheTestDirectoryFailsTheTestAndIsRemoved() throws Exception {
        Path mnt = Files.createDirectories(base.resolve("leaked-mount"));
        Containers.host("mount", "-t", "tmpfs", "leak", mnt.toString());
        AssertionFailedError e = assertThrows(AssertionFailedError.class, containers::close);
        assertTrue(e.getMessage().contains("mount " + mnt), e.getMessage());
        assertFalse(Files.readString(Path.of("/proc/self/mountinfo")).contains(mnt.toString()));
    }

    @Test
    void aProcessLeftRunningFailsTheTestAndIsKilled() throws Exception {
        Path sleep = base.resolve("sleep"); // a command line naming the test's directory, as a helper's does
        Files.copy(Path.of("/bin/sleep"), sleep);
        sleep.toFile().setExecutable(true);
        Process p = containers.start(List.of(sleep.toString(), "1000"));
        AssertionFailedError e = assertThrows(AssertionFailedError.class, containers::close);
        assertTrue(e.getMessage().contains("process " + p.pid()), e.getMessage());
        assertTrue(Containers.awaitEnd(p.pid()));
    }

    @Test
    void aCgroupThatCannotBeRemovedFailsTheTest() throws Exception {
        Path cg = containers.cgroup("pids", Map.of());
        Process p = new ProcessBuilder("sleep", "1000").start();
        try {
            Files.writeString(cg.resolve("cgroup.procs"), Long.toString(p.pid()));
            AssertionFailedError e = assertThrows(AssertionFailedError.class, containers::close);
            assertTrue(e.getMessage().contains("cgroup " + cg), e.getMessage());
        } finally {
            p.destroyForcibly().waitFor();
            containers.close(); // now it goes
        }
        assertFalse(Files.exists(cg));
    }
}
