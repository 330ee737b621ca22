package io.strata.launcher.store;

import io.strata.core.testing.Trees;
import io.strata.fuse.MountTable;
import io.strata.launcher.Cli;
import io.strata.launcher.StoreCommands;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A block-store container as a user runs it: created on a lower directory, mounted read-write by the store daemon,
 * written (1 byte into a big lower file stores about one page), snapshotted while mounted, the snapshot mounted
 * read-only beside it, unmounted and mounted again. Everything unmounted and the daemon stopped whatever happens.
 */
class ContainerMountCliTest {
    @TempDir
    Path base;
    private Path store, rw, ro;

    private Cli.Result strata(String... args) {
        List<String> a = new java.util.ArrayList<>(List.of(args));
        if (!a.get(0).equals("umount")) a.add("--store=" + store);
        return Cli.run(a.toArray(String[]::new));
    }

    @AfterEach
    void cleanUp() {
        for (Path m : new Path[] {ro, rw}) if (m != null && MountTable.isMounted(m)) MountTable.unmount(m, true);
        if (store != null) strata("daemon", "stop");
        for (Path m : new Path[] {ro, rw}) if (m != null) assertFalse(MountTable.isMounted(m), "left mounted: " + m);
    }

    @Test
    void theDaemonRunsWithItsServingFlagsFewMallocArenasAndJemalloc() throws Exception {
        store = base.resolve("store");
        Files.createDirectories(base.resolve("lower"));
        assertEquals(0, strata("create", "--name", "c", "--lowerdir", base.resolve("lower").toString()).code());
        long pid = ProcessHandle.allProcesses().map(ProcessHandle::pid)
                .filter(p -> Cli.commandLine(p).contains("daemon --store " + store)).findFirst().orElseThrow();
        assertTrue(Cli.commandLine(pid).contains(String.join(" ", StoreCommands.DAEMON_JVM_FLAGS) + " "), Cli.commandLine(pid));
        String env = new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"))).replace('\0', '\n');
        String arenas = System.getenv().getOrDefault("MALLOC_ARENA_MAX", "2");
        assertTrue(env.lines().anyMatch(("MALLOC_ARENA_MAX=" + arenas)::equals), "glibc arenas bounded: " + env);
        // jemalloc (scripts/deps.sh installs libjemalloc2) is the daemon's malloc unless the caller preloads another
        if (System.getenv("LD_PRELOAD") == null) {
            assertTrue(StoreCommands.DAEMON_JEMALLOC.stream().anyMatch(Files::isReadable), "libjemalloc2 installed");
            String maps = Files.readString(Path.of("/proc", Long.toString(pid), "maps"));
            assertTrue(maps.contains("/libjemalloc.so.2"), "jemalloc loaded in the daemon");
            String conf = System.getenv().getOrDefault("MALLOC_CONF", StoreCommands.DAEMON_JEMALLOC_CONF);
            assertTrue(env.lines().anyMatch(("MALLOC_CONF=" + conf)::equals), "jemalloc's purging: " + env);
        }
    }

    @Test
    void mountWriteSnapshotWhileMountedMountTheSnapshotAndRemount() throws Exception {
        store = base.resolve("store");
        Trees.at(base.resolve("lower")).file("etc/motd", "hello\n");
        byte[] big = new byte[16 << 20];
        new Random(5).nextBytes(big);
        Files.write(base.resolve("lower/big"), big);
        rw = Files.createDirectories(base.resolve("rw"));
        ro = Files.createDirectories(base.resolve("ro"));

        assertEquals(0, strata("create", "--name", "c", "--lowerdir", base.resolve("lower").toString()).code());
        Cli.Result m = strata("mount", "c", rw.toString());
        assertEquals(0, m.code(), m.err());
        assertTrue(MountTable.isMounted(rw));
        assertEquals(2, strata("mount", "c", ro.toString()).code(), "one read-write mount per container");
        assertFalse(MountTable.isMounted(ro));

        Files.writeString(rw.resolve("etc/motd"), "changed\n");
        try (RandomAccessFile f = new RandomAccessFile(rw.resolve("big").toFile(), "rw")) {
            f.seek(1000);
            f.write('X');
            f.getFD().sync();
        }
        Cli.Result df = strata("df");
        long bytes = Long.parseLong(df.out().lines().filter(l -> l.startsWith("container\tc\t")).findFirst().orElseThrow().split("\t")[2]);
        assertTrue(bytes < (1 << 20), "1 byte into a 16 MiB lower file stores about a page, not a copy: " + bytes);
        Cli.Result dedup = strata("df", "--dedup"); // the one page of big, and etc/motd's bytes if paged: no two alike
        assertEquals(0, dedup.code(), dedup.err());
        java.util.Map<String, String[]> d = new java.util.HashMap<>();
        dedup.out().lines().forEach(l -> d.put(l.split("\t")[0], l.split("\t")));
        assertTrue(Long.parseLong(d.get("pages")[1]) >= 1, dedup.out());
        assertEquals(d.get("pages")[1], d.get("unique")[1], dedup.out());
        assertEquals("0", d.get("saved")[2], dedup.out());

        assertEquals(0, strata("snapshot", "create", "c", "s1").code());
        Files.writeString(rw.resolve("etc/motd"), "after the snapshot\n");
        Cli.Result snap = strata("mount", "c@s1", ro.toString());
        assertEquals(0, snap.code(), snap.err());
        assertEquals("changed\n", Files.readString(ro.resolve("etc/motd")), "the snapshot is the point in time");
        assertThrows(java.io.IOException.class, () -> Files.writeString(ro.resolve("x"), "x"), "and read-only");
        String diff = strata("diff", "c").out();
        assertTrue(diff.contains("C /etc/motd") && diff.contains("C /big"), diff);

        assertEquals(0, strata("umount", ro.toString()).code());
        assertEquals(0, strata("umount", rw.toString()).code());
        assertFalse(MountTable.isMounted(rw));
        Cli.Result again = strata("mount", "c", rw.toString()); // at once: the daemon lets go of the writer it served
        assertEquals(0, again.code(), again.err());
        assertEquals("after the snapshot\n", Files.readString(rw.resolve("etc/motd")));
        byte[] now = Files.readAllBytes(rw.resolve("big"));
        big[1000] = 'X';
        assertTrue(java.util.Arrays.equals(big, now), "the page written and the lower data around it");
        assertTrue(MountTable.unmount(rw, false), "a plain umount");
        // at once too: over the socket, with no CLI JVM start in between to give the daemon time
        var restore = new io.strata.store.daemon.StoreClient(io.strata.store.daemon.StoreRoot.resolve(store))
                .call(List.of("snapshot-restore", "c", "s1"));
        assertTrue(restore.ok(), restore.errno() + " " + restore.message());
        assertEquals(0, strata("mount", "c", rw.toString()).code());
        assertEquals("changed\n", Files.readString(rw.resolve("etc/motd")), "back at the snapshot");
        assertEquals(0, strata("umount", rw.toString()).code());
    }

    /**
     * `strata daemon stop` while a process keeps writing into a container's mount: the daemon detaches the busy mount,
     * aborts its connection after a grace period (the writer gets an error, as when a FUSE server dies), and only then
     * closes the store: it used to close RocksDB under the FUSE worker serving the write, and the JVM died (SIGSEGV).
     * What was fsync'ed before is there after the next start.
     */
    @Test
    void daemonStopWhileAProcessWritesIntoAMountClosesTheStoreSafely() throws Exception {
        store = base.resolve("store");
        Files.createDirectories(base.resolve("lower"));
        rw = Files.createDirectories(base.resolve("rw"));
        assertEquals(0, strata("create", "--name", "c", "--lowerdir", base.resolve("lower").toString()).code());
        assertEquals(0, strata("mount", "c", rw.toString()).code());
        Files.writeString(rw.resolve("synced"), "before the stop\n");
        try (RandomAccessFile f = new RandomAccessFile(rw.resolve("synced").toFile(), "rw")) {
            f.getFD().sync();
        }
        Process writer = new ProcessBuilder("sh", "-c",
                "exec 3>\"$1\"; while dd if=/dev/zero bs=64k count=16 >&3 2>/dev/null; do :; done; exit 7", "sh",
                rw.resolve("busy").toString()).start();
        try {
            long deadline = System.currentTimeMillis() + 10_000;
            while (!(Files.exists(rw.resolve("busy")) && Files.size(rw.resolve("busy")) > 0) && System.currentTimeMillis() < deadline) sleep();
            assertTrue(writer.isAlive(), "the writer is writing");
            Cli.Result stop = strata("daemon", "stop");
            assertEquals(0, stop.code(), stop.err());
            assertTrue(writer.waitFor(30, java.util.concurrent.TimeUnit.SECONDS), "the writer was cut off");
            assertEquals(7, writer.exitValue(), "its write failed");
            assertFalse(MountTable.isMounted(rw));
            String log = Files.readString(store.resolve("daemon.log"));
            assertFalse(log.contains("fatal error") || log.contains("SIGSEGV"), log);
        } finally {
            writer.destroyForcibly();
        }
        assertEquals(0, strata("mount", "c", rw.toString()).code(), "the store opens again");
        assertEquals("before the stop\n", Files.readString(rw.resolve("synced")));
        assertEquals(0, strata("umount", rw.toString()).code());
    }

    private static boolean sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return true;
    }
}
