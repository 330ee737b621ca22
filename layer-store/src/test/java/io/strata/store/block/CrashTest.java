package io.strata.store.block;

import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import io.strata.core.writable.WritableLayer.Entry;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * kill -9 of a process that writes: a child JVM creates files, writes them, fsyncs and says so on stdout, and keeps
 * writing without fsync until it is killed. After a reopen, every file reported fsync'ed has exactly its data, and
 * every file that exists is whole: its size and every byte come from one write (the batch is atomic).
 */
class CrashTest {
    static final int FILE = 150_000;

    /** The content of file i: deterministic, so that the parent can check it; every 5th is 1 MiB larger (paged units). */
    static byte[] content(int i) {
        byte[] b = new byte[FILE + i * 37 + (i % 5 == 1 ? 1 << 20 : 0)];
        new java.util.Random(i).nextBytes(b);
        return b;
    }

    /** The child: writes files f0, f1, … (each one write, one fsync every 3rd) until killed. */
    public static void main(String[] args) throws Exception {
        try (BlockStore s = BlockStore.open(Path.of(args[0]), MemoryBudget.SMALL)) {
            s.createContainer("c", "");
            BlockLayer l = s.openLayer("c");
            for (int i = 0; ; i++) {
                Entry e = l.create(l.rootIno(), "f" + i, 0100644, 0, 0, 0);
                byte[] b = content(i);
                l.write(e.ino(), 0, b, 0, b.length);
                if (i % 3 == 0) {
                    l.fsync(e.ino(), false);
                    System.out.println("synced " + i);
                    System.out.flush();
                }
                if (i % 50 == 49) s.createSnapshot("c", "s" + i);
            }
        }
    }

    @Test
    void fsyncedDataSurvivesKillMinus9AndNothingIsHalfApplied() throws Exception {
        Path dir = TempDirs.create("crash");
        Process p = null;
        try {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            p = new ProcessBuilder(java, "-Xmx128m", "-cp", System.getProperty("java.class.path"),
                    CrashTest.class.getName(), dir.resolve("db").toString()).redirectErrorStream(true).start();
            int lastSynced = -1;
            try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = r.readLine()) != null) {
                    if (line.startsWith("synced ")) lastSynced = Integer.parseInt(line.substring(7));
                    else System.err.println("child: " + line);
                    if (lastSynced >= 240) break;
                }
                p.destroyForcibly(); // SIGKILL: no shutdown hook, no close
                assertTrue(p.waitFor(30, TimeUnit.SECONDS));
            }
            assertEquals(137, p.exitValue(), "the child was killed by SIGKILL");
            assertTrue(lastSynced >= 240, "child got far enough: " + lastSynced);
            try (BlockStore s = BlockStore.openExisting(dir.resolve("db"), MemoryBudget.SMALL);
                 BlockLayer l = s.openLayer("c")) {
                Map<String, Entry> present = new HashMap<>();
                for (Entry e : l.readdir(l.rootIno())) present.put(e.name(), e);
                for (int i = 0; i <= lastSynced; i++) {
                    Entry e = present.get("f" + i);
                    assertTrue(e != null, "f" + i + " was fsync'ed (or written before an fsync'ed file)");
                    assertArrayEquals(content(i), BlockMapModelTest.readAll(l, e.ino()), "f" + i);
                }
                for (Entry e : present.values()) {
                    int i = Integer.parseInt(e.name().substring(1));
                    byte[] got = BlockMapModelTest.readAll(l, e.ino());
                    // created and written are two batches: a file may be empty, else it is whole
                    assertTrue(got.length == 0 || Arrays.equals(content(i), got), e.name() + " is half-applied: " + got.length);
                }
                int snaps = s.snapshots("c").size();
                assertTrue(snaps >= 4, "snapshots survive too: " + snaps);
                try (BlockLayer v = s.openSnapshot("c", "s49")) {
                    assertEquals(50, v.readdir(v.rootIno()).size());
                }
            }
        } finally {
            if (p != null && p.isAlive()) p.destroyForcibly().waitFor();
            TempDirs.delete(dir);
        }
    }
}
