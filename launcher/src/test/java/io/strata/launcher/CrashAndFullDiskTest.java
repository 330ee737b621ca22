package io.strata.launcher;

import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a user's data goes through: the server killed with SIGKILL (fsync'ed data is on the upper filesystem, the dead
 * mount is cleaned up by `strata umount`, a remount shows everything), and an upper filesystem that fills up (ENOSPC
 * reaches the caller, a copy-up that does not fit leaves no half-copied file, the union keeps working).
 */
class CrashAndFullDiskTest {
    @TempDir
    Path base;
    private final List<Path> mounts = new ArrayList<>();

    @AfterEach
    void cleanUp() {
        for (int i = mounts.size() - 1; i >= 0; i--) {
            Path m = mounts.get(i);
            server(m).ifPresent(ProcessHandle::destroyForcibly);
            if (MountTable.isMounted(m)) MountTable.unmount(m, true);
            if (MountTable.isMounted(m)) run("umount", "-l", m.toString());
        }
        for (Path m : mounts) assertFalse(MountTable.isMounted(m), "left mounted: " + m);
    }

    private static Optional<ProcessHandle> server(Path mnt) {
        return ProcessHandle.allProcesses()
                .filter(p -> { String c = Cli.commandLine(p.pid()); return c.contains(mnt.toString()) && c.contains(" mount "); })
                .findFirst();
    }

    private static int strata(String... args) {
        return Cli.run(args).code();
    }

    private static void run(String... cmd) {
        try {
            new ProcessBuilder(cmd).inheritIO().start().waitFor(30, TimeUnit.SECONDS);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private Path mount(Path layers, Path mnt) {
        mounts.add(mnt);
        assertEquals(0, strata("mount", "-o", Unions.options(layers, 1, true, ""), mnt.toString()));
        assertTrue(MountTable.isMounted(mnt));
        return mnt;
    }

    @Test
    void fsyncedDataSurvivesKillOfTheServerAndTheDeadMountIsCleanedUp() throws Exception {
        Trees.at(base.resolve("lower1")).file("big", "lower data");
        Trees.at(base.resolve("upper"));
        Trees.at(base.resolve("work"));
        Path mnt = mount(base, Files.createDirectories(base.resolve("mnt")));
        byte[] data = new byte[3 << 20];
        new java.util.Random(7).nextBytes(data);
        try (FileChannel ch = FileChannel.open(mnt.resolve("synced"), StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(data));
            ch.force(true);
        }
        try (FileChannel ch = FileChannel.open(mnt.resolve("big"), StandardOpenOption.WRITE, StandardOpenOption.APPEND)) {
            ch.write(ByteBuffer.wrap(" + appended".getBytes()));
            ch.force(false);
        }
        ProcessHandle srv = server(mnt).orElseThrow();
        assertTrue(srv.destroyForcibly() || !srv.isAlive());
        srv.onExit().get(20, TimeUnit.SECONDS);
        assertThrows(IOException.class, () -> Files.readString(mnt.resolve("big")), "the mount is dead, not silently empty");
        assertEquals(0, strata("umount", mnt.toString()), "umount cleans up a mount whose server is gone");
        assertFalse(MountTable.isMounted(mnt));

        mount(base, mnt);
        assertArrayEquals(data, Files.readAllBytes(mnt.resolve("synced")));
        assertEquals("lower data + appended", Files.readString(mnt.resolve("big")));
        assertEquals(0, strata("umount", mnt.toString()));
    }

    @Test
    void aFullUpperGivesEnospcAndLeavesNoHalfCopiedFile() throws Exception {
        byte[] lowerBig = new byte[3 << 20];
        java.util.Arrays.fill(lowerBig, (byte) 'L');
        Trees.at(base.resolve("lower1")).file("small", "s");
        Files.write(base.resolve("lower1/big"), lowerBig);
        Path small = Files.createDirectories(base.resolve("tiny"));
        mounts.add(small);
        run("mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", small.toString());
        assertTrue(MountTable.isMounted(small), "a 2 MiB tmpfs for upper and work");
        Files.createDirectories(small.resolve("upper"));
        Files.createDirectories(small.resolve("work"));
        Files.createSymbolicLink(small.resolve("lower1"), base.resolve("lower1"));
        Path mnt = mount(small, Files.createDirectories(base.resolve("mnt")));

        IOException full = assertThrows(IOException.class, () -> Files.write(mnt.resolve("fill"), new byte[4 << 20]));
        assertTrue(String.valueOf(full.getMessage()).contains("space"), "ENOSPC reaches the writer: " + full);
        Files.delete(mnt.resolve("fill"));
        // a data copy-up of 3 MiB cannot fit in 2 MiB: the write fails, the lower file shows unchanged, nothing half-made
        assertThrows(IOException.class, () -> {
            try (FileChannel ch = FileChannel.open(mnt.resolve("big"), StandardOpenOption.WRITE)) {
                ch.write(ByteBuffer.wrap(new byte[] {'U'}), 0);
            }
        });
        assertArrayEquals(lowerBig, Files.readAllBytes(mnt.resolve("big")));
        assertFalse(Files.exists(small.resolve("upper/big")), "no half-copied file in the upper layer");
        try (var work = Files.list(small.resolve("work/work"))) {
            assertEquals(0, work.count(), "and nothing left in the work dir");
        }
        Files.writeString(mnt.resolve("after"), "still works");
        assertEquals("still works", Files.readString(mnt.resolve("after")));
        assertEquals(0, strata("umount", mnt.toString()));
    }
}
