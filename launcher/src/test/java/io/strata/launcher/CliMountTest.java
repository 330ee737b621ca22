package io.strata.launcher;

import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.launcher.Cli.Result;
import io.strata.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** `strata mount` and `strata-overlay` as a user runs them: a detached server process, clean errors, clean exits. */
class CliMountTest {
    @TempDir
    Path base;
    Path mnt;
    String opts;

    @BeforeEach
    void layers() throws Exception {
        Trees.at(base.resolve("lower1")).file("hello", "hi");
        Trees.at(base.resolve("lower2")).file("below", "b");
        Trees.at(base.resolve("upper"));
        Trees.at(base.resolve("work"));
        mnt = Files.createDirectories(base.resolve("mnt"));
        opts = Unions.options(base, 2, true, "");
    }

    @AfterEach
    void cleanUp() {
        if (MountTable.isMounted(mnt)) MountTable.unmount(mnt, true);
        server().ifPresent(ProcessHandle::destroyForcibly);
        assertFalse(MountTable.isMounted(mnt));
    }

    /** The background JVM serving our mount point, if any. */
    private Optional<ProcessHandle> server() {
        return Cli.serverOf(mnt);
    }

    private static Result strata(String... args) {
        return Cli.run(args);
    }

    @Test
    void mountReturnsOnceLiveAndUmountEndsTheServer() throws Exception {
        Result r = strata("mount", "-o", opts, mnt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(MountTable.isMounted(mnt), "mounted when the command returns");
        assertEquals("hi", Files.readString(mnt.resolve("hello")));
        Files.writeString(mnt.resolve("new"), "n");
        ProcessHandle server = server().orElseThrow();
        assertEquals(0, strata("umount", mnt.toString()).code());
        assertFalse(MountTable.isMounted(mnt));
        server.onExit().get(20, TimeUnit.SECONDS);
        assertFalse(server.isAlive(), "the server exits after umount");
        assertEquals("n", Files.readString(base.resolve("upper/new")));
    }

    @Test
    void plainUmountAlsoEndsTheServer() throws Exception {
        assertEquals(0, strata("mount", "-o", opts, mnt.toString()).code());
        ProcessHandle server = server().orElseThrow();
        Process p = new ProcessBuilder("umount", mnt.toString()).inheritIO().start();
        assertEquals(0, p.waitFor());
        server.onExit().get(20, TimeUnit.SECONDS);
        assertFalse(server.isAlive());
    }

    @Test
    void badInputIsRefusedClearlyAndMountsNothing() throws Exception {
        Result missing = strata("mount", "-o", "lowerdir=" + base.resolve("nope"), mnt.toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        Result unknown = strata("mount", "-o", opts + ",frobnicate", mnt.toString());
        assertEquals(2, unknown.code());
        assertTrue(unknown.err().contains("frobnicate"), unknown.err());
        Result noWork = strata("mount", "-o", "lowerdir=" + base.resolve("lower1") + ",upperdir=" + base.resolve("upper"), mnt.toString());
        assertEquals(2, noWork.code());
        Result noMnt = strata("mount", "-o", opts, base.resolve("missing-mnt").toString());
        assertEquals(2, noMnt.code());
        assertTrue(noMnt.err().contains("not a directory"), noMnt.err());
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm)) {
            Path otherWork = Files.createTempDirectory(shm, "strata-cli");
            try {
                Result xfs = strata("mount", "-o", "lowerdir=" + base.resolve("lower1") + ",upperdir=" + base.resolve("upper")
                        + ",workdir=" + otherWork, mnt.toString());
                assertEquals(2, xfs.code());
                assertTrue(xfs.err().contains("different filesystems"), xfs.err());
            } finally {
                Files.delete(otherWork);
            }
        }
        assertFalse(MountTable.isMounted(mnt));
        assertTrue(server().isEmpty(), "no server left behind");
    }

    @Test
    void strataOverlayTakesMountHelperArgv() throws Exception {
        assertEquals(0, OverlayMain.run(new String[] {"--version"}));
        assertEquals(0, OverlayMain.run(new String[] {"overlay", mnt.toString(), "-o", "rw," + opts + ",dev,suid,volatile"}));
        assertTrue(MountTable.isMounted(mnt));
        assertEquals(List.of("below", "hello"), Files.list(mnt).map(p -> p.getFileName().toString()).sorted().toList());
        assertEquals(1, OverlayMain.run(new String[] {"-o", "lowerdir=/definitely/missing", base.resolve("mnt2").toString()}));
    }
}
