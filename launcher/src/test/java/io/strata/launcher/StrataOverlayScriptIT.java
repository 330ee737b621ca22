package io.strata.launcher;

import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * bin/strata-overlay as podman and mount.fuse3 run it, with the jar just packaged (failsafe, after package): it
 * returns once the mount is live with its stdout and stderr released (podman reads them to EOF), the server is one JVM
 * in its own session that ends on {@code fusermount3 -u}, errors come back as a message and exit 1 with nothing
 * mounted, and it reads an upper's {@code .wh.} markers as fuse-overlayfs does. And ./strata's {@code mount -o}, which
 * starts its server the same way.
 */
class StrataOverlayScriptIT {
    static final Path MODULE = Path.of("").toAbsolutePath();
    static final Path SCRIPT = MODULE.getParent().resolve("bin/strata-overlay");
    static final Path STRATA = MODULE.getParent().resolve("strata");

    @TempDir
    Path base;
    Path mnt;
    String opts;

    record Run(int code, String out, String err) {
    }

    @BeforeAll
    static void packaged() throws IOException {
        Path jar = MODULE.resolve("target/strata.jar");
        Path built = MODULE.resolve("target/classes/io/strata/launcher/OverlayMain.class");
        assertTrue(Files.exists(jar) && Files.getLastModifiedTime(jar).compareTo(Files.getLastModifiedTime(built)) >= 0,
                "target/strata.jar is missing or older than the classes: this test runs after package (mvn verify)");
    }

    @BeforeEach
    void layers() throws Exception {
        Trees.at(base.resolve("lower1")).file("hello", "hi").file("etc/motd", "lower motd");
        Trees.at(base.resolve("lower2")).file("below", "b");
        Trees.at(base.resolve("upper")).ociWhiteout("etc/motd").file("etc/issue", "upper");
        Trees.at(base.resolve("work"));
        mnt = Files.createDirectories(base.resolve("mnt"));
        opts = Unions.options(base, 2, true, "");
    }

    @AfterEach
    void nothingLeft() {
        if (MountTable.isMounted(mnt)) MountTable.unmount(mnt, true);
        server().ifPresent(ProcessHandle::destroyForcibly);
        assertFalse(MountTable.isMounted(mnt));
    }

    private Optional<ProcessHandle> server() {
        return server(OverlayMain.class);
    }

    private Optional<ProcessHandle> server(Class<?> main) {
        return ProcessHandle.allProcesses().filter(p -> p.info().commandLine()
                .map(c -> c.contains(main.getName()) && c.contains(mnt.toString())).orElse(false)).findFirst();
    }

    private static Run script(String... args) throws Exception {
        return run(SCRIPT, args);
    }

    /** Runs a script with pipes for stdout and stderr, read to EOF as podman does; fails if that takes over 60 s. */
    private static Run run(Path program, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(program.toString()));
        cmd.addAll(Arrays.asList(args));
        Process p = new ProcessBuilder(cmd).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        CompletableFuture<String> out = CompletableFuture.supplyAsync(() -> readAll(p.getInputStream()));
        CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(p.getErrorStream()));
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), program.getFileName() + " did not return");
        return new Run(p.exitValue(), out.get(60, TimeUnit.SECONDS), err.get(60, TimeUnit.SECONDS));
    }

    private static String readAll(InputStream in) {
        try (in) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void returnsOnceLiveWithItsPipesReleasedAndTheServerEndsOnFusermount() throws Exception {
        Run r = script("-o", opts + ",,volatile", mnt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(MountTable.isMounted(mnt), "mounted when the script returns");
        assertEquals("hi", Files.readString(mnt.resolve("hello")));
        assertEquals("b", Files.readString(mnt.resolve("below")));
        assertFalse(Files.exists(mnt.resolve("etc/motd")), "an upper's .wh. marker hides the lower file (fuse-overlayfs)");
        assertFalse(Files.exists(mnt.resolve("etc/.wh.motd")));
        ProcessHandle server = server().orElseThrow();
        String cmdline = server.info().commandLine().orElse("");
        assertTrue(cmdline.contains(OverlayMain.READY_FD + "3"), "one JVM serves, started by the script: " + cmdline);
        assertEquals(server.pid(), sessionOf(server.pid()), "the server leads its own session");
        assertTrue(Files.exists(MODULE.resolve("target/strata-overlay.jsa")), "the class-data archive was built");

        Process u = new ProcessBuilder("fusermount3", "-u", mnt.toString()).inheritIO().start();
        assertEquals(0, u.waitFor());
        assertTrue(server.onExit().get(20, TimeUnit.SECONDS) != null && !server.isAlive(), "server ends after unmount");
    }

    @Test
    void strataMountTooStartsOneDetachedServerAndGivesBackItsErrors() throws Exception {
        Run r = run(STRATA, "mount", "-o", opts, mnt.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(MountTable.isMounted(mnt), "mounted when ./strata returns");
        assertEquals("hi", Files.readString(mnt.resolve("hello")));
        assertTrue(Files.exists(mnt.resolve("etc/.wh.motd")), "strata mount's own defaults: .wh. markers count in lowers only");
        ProcessHandle server = server(Main.class).orElseThrow();
        String cmdline = server.info().commandLine().orElse("");
        assertTrue(cmdline.contains("--ready-fd=3") && cmdline.contains("-XX:+ExitOnOutOfMemoryError"), "the serving JVM, started by the script: " + cmdline);
        assertEquals(server.pid(), sessionOf(server.pid()), "the server leads its own session");
        assertTrue(MountTable.unmount(mnt, false));
        assertTrue(server.onExit().get(20, TimeUnit.SECONDS) != null && !server.isAlive(), "server ends after unmount");

        Run bad = run(STRATA, "mount", "-o", opts + ",frobnicate", mnt.toString());
        assertEquals(2, bad.code(), "the CLI's status for a bad option");
        assertTrue(bad.err().contains("unknown mount option: frobnicate"), bad.err());
        assertFalse(MountTable.isMounted(mnt));
        assertTrue(server(Main.class).isEmpty(), "no server left behind");
    }

    @Test
    void takesMountFuse3sArgumentOrder() throws Exception {
        Run r = script("strata-overlay", mnt.toString(), "-o", "rw," + opts + ",dev,suid");
        assertEquals(0, r.code(), r.err());
        assertEquals("hi", Files.readString(mnt.resolve("hello")));
        ProcessHandle server = server().orElseThrow();
        assertTrue(MountTable.unmount(mnt, false));
        server.onExit().get(20, TimeUnit.SECONDS);
    }

    @Test
    void errorsComeBackAsAMessageAndExit1WithNothingMounted() throws Exception {
        Run bad = script("-o", opts + ",frobnicate", mnt.toString());
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("unknown mount option: frobnicate"), bad.err());
        Run missing = script("-o", "lowerdir=" + base.resolve("nope"), mnt.toString());
        assertEquals(1, missing.code());
        assertTrue(missing.err().contains("does not exist"), missing.err());
        assertFalse(MountTable.isMounted(mnt));
        assertTrue(server().isEmpty(), "no server left behind");
    }

    @Test
    void answersVersionWithoutMounting() throws Exception {
        Run r = script("--version");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("strata-overlay: version "), r.out());
        // the library that serves the mount (the low-level adapter's libfuse3), as fuse-overlayfs reports its own
        assertTrue(r.out().lines().anyMatch(l -> l.matches("FUSE library version 3\\.\\d+\\.\\d+")), r.out());
        assertFalse(MountTable.isMounted(mnt));
    }

    @Test
    void idMappingsReadAsFuseOverlayfsReadsThem() throws Exception {
        // containers-storage's form (a colon before each triple), STORED:SHOWN:COUNT
        String mapping = ",uidmapping=:0:100000:65536:70000:300000:10,gidmapping=:0:100000:65536";
        Trees lower = Trees.at(base.resolve("idlower")).file("root-owned", "r").file("user-owned", "u")
                .file("unmapped", "x").owner("user-owned", 1000, 1000).owner("unmapped", 200000, 200000);
        List<List<Object>> seen = new ArrayList<>();
        for (String program : List.of("/usr/bin/fuse-overlayfs", SCRIPT.toString())) {
            String side = Path.of(program).getFileName().toString();
            Path up = Files.createDirectories(base.resolve(side + "-upper")), work = Files.createDirectories(base.resolve(side + "-work"));
            Path m = Files.createDirectories(base.resolve(side + "-mnt"));
            Process p = new ProcessBuilder(program, "-o", "lowerdir=" + lower.root() + ",upperdir=" + up + ",workdir=" + work + mapping,
                    m.toString()).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            assertEquals(0, p.waitFor(), side);
            try {
                Files.writeString(m.resolve("new"), "n");
                Files.setAttribute(m.resolve("new"), "unix:uid", 100007);
                Files.setAttribute(m.resolve("new"), "unix:gid", 100008);
                seen.add(List.of(side, Files.getAttribute(m.resolve("root-owned"), "unix:uid"),
                        Files.getAttribute(m.resolve("user-owned"), "unix:uid"), Files.getAttribute(m.resolve("user-owned"), "unix:gid"),
                        Files.getAttribute(m.resolve("unmapped"), "unix:uid"), Files.getAttribute(m.resolve("new"), "unix:uid"),
                        Files.getAttribute(up.resolve("new"), "unix:uid"), Files.getAttribute(up.resolve("new"), "unix:gid")));
            } finally {
                assertTrue(MountTable.unmount(m, false), "unmount " + m);
            }
        }
        assertEquals(List.of(100000, 101000, 101000, 65534, 100007, 7, 8), seen.get(0).subList(1, 8), "fuse-overlayfs: " + seen);
        assertEquals(seen.get(0).subList(1, 8), seen.get(1).subList(1, 8), "strata-overlay vs fuse-overlayfs");
    }

    /** Field 6 of /proc/PID/stat: the session id. */
    private static long sessionOf(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        return Long.parseLong(f[3]);
    }
}
