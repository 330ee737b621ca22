package io.strata.launcher.run.cgroup;

import io.strata.launcher.run.Procs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The v1 writer on this machine's real v1 hierarchies (memory, cpu, cpuacct, pids, freezer, devices): directories
 * and limits as the kernel reads them back, an OOM kill counted, a forking process tree removed whole.
 */
class CgroupV1Test {
    private Hierarchies h;
    private final List<Cgroup> made = new ArrayList<>();
    private final List<Process> started = new ArrayList<>();

    @BeforeEach
    void v1Here() {
        h = Hierarchies.detect();
        Assumptions.assumeTrue(h.version().equals("v1"), "this host's cgroups are v2 (CgroupV2Test covers it)");
    }

    @AfterEach
    void cleanUp() throws IOException {
        for (Process p : started) p.destroyForcibly();
        for (Cgroup c : made) c.destroy();
        for (Cgroup c : made) assertFalse(c.exists(), "left behind: " + c.dirs());
    }

    private Cgroup create(Limits l) throws IOException {
        Cgroup c = h.create("test-" + UUID.randomUUID().toString().substring(0, 8), l);
        made.add(c);
        return c;
    }

    /** A shell that moves itself into the cgroup's memory (and pids) dirs, then runs script. */
    private Process inCgroup(CgroupV1 c, String script) throws IOException {
        StringBuilder join = new StringBuilder();
        for (Path d : c.dirs()) join.append("echo $$ > ").append(d.resolve("cgroup.procs")).append(" && ");
        Process p = new ProcessBuilder("/bin/sh", "-c", join + script).redirectErrorStream(true).start();
        started.add(p);
        return p;
    }

    private static String read(Path p) throws IOException {
        return Files.readString(p).trim();
    }

    @Test
    void limitsAreWhatTheKernelReadsBack() throws Exception {
        CgroupV1 c = (CgroupV1) create(Limits.of("64m", "128m", "0.5", 10L));
        for (Path d : c.dirs()) assertTrue(Files.isDirectory(d) && d.getParent().getFileName().toString().equals("strata"), d.toString());
        assertEquals(64L << 20, Long.parseLong(read(c.dir("memory").resolve("memory.limit_in_bytes"))));
        if (Files.exists(c.dir("memory").resolve("memory.memsw.limit_in_bytes")))
            assertEquals(128L << 20, Long.parseLong(read(c.dir("memory").resolve("memory.memsw.limit_in_bytes"))));
        assertEquals("50000", read(c.dir("cpu").resolve("cpu.cfs_quota_us")));
        assertEquals("100000", read(c.dir("cpu").resolve("cpu.cfs_period_us")));
        assertEquals("10", read(c.dir("pids").resolve("pids.max")));
        if (c.dir("devices") != null) {
            String list = read(c.dir("devices").resolve("devices.list"));
            assertTrue(list.contains("c 1:3 rwm") && list.contains("c 136:* rwm") && !list.contains("a *:* rwm"), list);
        }
        assertEquals(0, c.oomKills());
        assertTrue(c.cpuUsageNanos() >= 0);
    }

    @Test
    void aLimitWithoutItsControllerIsRefusedAndNothingIsLeft() {
        Hierarchies noPids = Hierarchies.v1(java.util.Map.of("memory", h.v1Mounts().get("memory")));
        String id = "test-" + UUID.randomUUID().toString().substring(0, 8);
        IOException e = assertThrows(IOException.class, () -> noPids.create(id, Limits.of(null, null, null, 5L)));
        assertTrue(e.getMessage().contains("'pids'"), e.getMessage());
        assertFalse(h.open(id).exists());
    }

    @Test
    void anAllocationOverTheMemoryLimitIsAnOomKillAndCounted() throws Exception {
        CgroupV1 c = (CgroupV1) create(Limits.of("16m", null, null, null));
        Process p = inCgroup(c, "exec dd if=/dev/zero of=/dev/null bs=64M count=1");
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        assertEquals(137, p.exitValue(), "killed by SIGKILL: " + new String(p.getInputStream().readAllBytes()));
        assertTrue(c.oomKills() >= 1, "oom_kill counted: " + c.oomKills());
        assertTrue(c.memoryFailures() > 0);
    }

    @Test
    void destroyKillsAForkingTreeAndRemovesTheDirectories() throws Exception {
        CgroupV1 c = (CgroupV1) create(Limits.of(null, null, null, 64L));
        Process p = inCgroup(c, "while true; do sleep 30 & sleep 0.01; done");
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (c.pids().size() < 5 && System.nanoTime() < deadline) Thread.sleep(20);
        assertTrue(c.pids().size() >= 5, "the tree grew: " + c.pids());
        List<Long> pids = c.pids();
        c.destroy();
        assertFalse(c.exists());
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        deadline = System.nanoTime() + 10_000_000_000L; // killed ones are reaped by init a moment later
        while (pids.stream().anyMatch(Procs::alive) && System.nanoTime() < deadline) Thread.sleep(10);
        for (long pid : pids) assertFalse(Procs.alive(pid), "alive: " + pid);
        c.destroy(); // idempotent
    }
}
