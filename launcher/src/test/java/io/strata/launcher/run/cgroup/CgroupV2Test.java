package io.strata.launcher.run.cgroup;

import io.strata.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The v2 writer. On this hybrid host the unified hierarchy has none of the memory, cpu and pids controllers, so:
 * creation, membership, CPU accounting (cpu.stat is there without the controller), killing (cgroup.kill) and removal
 * run against a real cgroup2 mount; the limit files are checked in a directory that stands in for a cgroup2 root
 * with the controllers (gap: no kernel enforces them in this test).
 */
class CgroupV2Test {
    @TempDir
    Path tmp;
    private Path mnt;
    private Process sleeper;

    @AfterEach
    void cleanUp() throws Exception {
        if (sleeper != null) sleeper.destroyForcibly();
        if (mnt != null && MountTable.isMounted(mnt)) {
            Path strata = mnt.resolve(Cgroup.PARENT);
            try (var s = Files.list(strata)) {
                for (Path d : s.filter(d -> d.getFileName().toString().startsWith("test-")).toList()) Files.delete(d);
            } catch (IOException ignored) {
                // nothing made
            }
            new ProcessBuilder("umount", mnt.toString()).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
            assertFalse(MountTable.isMounted(mnt));
        }
    }

    @Test
    void aRealCgroup2MountCreatesHoldsKillsAndRemoves() throws Exception {
        mnt = Files.createDirectories(tmp.resolve("cg2"));
        Process m = new ProcessBuilder("mount", "-t", "cgroup2", "none", mnt.toString()).inheritIO().start();
        assertTrue(m.waitFor(30, TimeUnit.SECONDS) && m.exitValue() == 0, "mount -t cgroup2");
        Hierarchies h = Hierarchies.v2(mnt);
        assertEquals("v2", h.version());
        String id = "test-" + UUID.randomUUID().toString().substring(0, 8);
        Cgroup c = h.create(id, Limits.UNLIMITED);
        Path dir = mnt.resolve("strata").resolve(id);
        assertEquals(List.of(dir), c.dirs());
        assertTrue(Files.exists(dir.resolve("cgroup.procs")));
        assertThrows(IOException.class, () -> h.create(id, Limits.UNLIMITED), "one cgroup per id");

        sleeper = new ProcessBuilder("/bin/sh", "-c", "echo $$ > " + dir.resolve("cgroup.procs")
                + " && while :; do :; done").start();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (c.pids().isEmpty() && System.nanoTime() < deadline) Thread.sleep(10);
        assertEquals(List.of(sleeper.pid()), c.pids());
        while (c.cpuUsageNanos() < 20_000_000 && System.nanoTime() < deadline) Thread.sleep(10);
        assertTrue(c.cpuUsageNanos() >= 20_000_000, "cpu.stat usage_usec counts the busy loop: " + c.cpuUsageNanos());
        assertEquals(-1, c.oomKills(), "no memory controller here: not counted");

        c.destroy();
        assertFalse(Files.exists(dir));
        assertFalse(Files.exists(dir.getParent()), "the last container's cgroup takes the strata parent with it");
        assertTrue(sleeper.waitFor(10, TimeUnit.SECONDS));
        assertEquals(137, sleeper.exitValue());
        IOException noMemory = assertThrows(IOException.class, () -> h.create(id, Limits.of("64m", null, null, null)));
        assertTrue(noMemory.getMessage().contains("'memory'"), noMemory.getMessage());
        assertFalse(Files.exists(dir), "a refused limit leaves nothing");
    }

    @Test
    void limitFilesOnAUnifiedRootWithControllers() throws Exception {
        Path root = Files.createDirectories(tmp.resolve("unified"));
        Files.writeString(root.resolve("cgroup.controllers"), "cpuset cpu io memory hugetlb pids rdma misc\n");
        Hierarchies h = Hierarchies.v2(root);
        Cgroup c = h.create("c1", Limits.of("64m", "96m", "1.5", 20L));
        Path d = root.resolve("strata/c1");
        assertEquals("67108864", Files.readString(d.resolve("memory.max")));
        assertEquals("150000 100000", Files.readString(d.resolve("cpu.max")));
        assertEquals("20", Files.readString(d.resolve("pids.max")));
        assertTrue(Files.exists(root.resolve("cgroup.subtree_control")) && Files.exists(root.resolve("strata/cgroup.subtree_control")),
                "controllers enabled down to strata/");
        assertEquals(List.of(d), c.dirs());
    }

    @Test
    void detectionPicksV1OnAHybridHostAndV2OnAUnifiedOne() throws Exception {
        List<String> hybrid = List.of(
                "31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755",
                "32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime - cgroup cgroup rw,cpu,cpuacct",
                "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory",
                "39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids",
                "40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd",
                "41 31 0:38 / " + tmp.resolve("none") + " rw,relatime - cgroup2 cgroup2 rw");
        Hierarchies h = Hierarchies.fromMountinfo(hybrid);
        assertEquals("v1", h.version());
        assertEquals(Path.of("/sys/fs/cgroup/cpu,cpuacct"), h.v1Mounts().get("cpuacct"));
        assertEquals(Set.of("cpu", "cpuacct", "memory", "pids"), h.v1Mounts().keySet());

        Path unified = Files.createDirectories(tmp.resolve("sysfscgroup"));
        Files.writeString(unified.resolve("cgroup.controllers"), "cpuset cpu io memory pids\n");
        Hierarchies u = Hierarchies.fromMountinfo(List.of("30 23 0:27 / " + unified + " rw,nosuid - cgroup2 cgroup2 rw,nsdelegate"));
        assertEquals("v2", u.version());
        assertEquals(unified, u.v2Root());
    }
}
