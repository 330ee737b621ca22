package io.strata.fuse.ll;

import io.strata.core.options.MountOptions;
import io.strata.core.testing.Unions;
import io.strata.fuse.FuseMount;
import io.strata.fuse.MountTable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * FUSE_HANDLE_KILLPRIV_V2 through real mounts: the server clears suid/sgid where the kernel asks it to (writes,
 * truncates and open(O_TRUNC) by a user without CAP_FSETID, chown), and the kernel stops asking for
 * security.capability before every write. The same script runs on kernel overlayfs over a copy of the same lower
 * layer, and the modes must end alike.
 */
class KillSuidgidMountTest {
    @TempDir
    Path base;

    private static String api;

    @BeforeAll
    static void lowLevel() {
        api = System.getProperty("strata.fuse.api");
        System.setProperty("strata.fuse.api", "ll");
    }

    @AfterAll
    static void restore() {
        if (api == null) System.clearProperty("strata.fuse.api");
        else System.setProperty("strata.fuse.api", api);
    }

    /** name, mode in the lower layer. */
    private static final String[][] FILES = {{"w1", "4777"}, {"w2", "2777"}, {"w3", "2767"}, {"w4", "6777"},
            {"t1", "6777"}, {"o1", "6777"}, {"c1", "6755"}, {"r1", "6777"}, {"a1", "4777"}, {"a2", "4777"}};

    /** As nobody: appends (w*), a truncate (t1), an O_TRUNC open (o1); as root: a chown (c1) and an append (r1). */
    private static String script(Path m) {
        String n = "setpriv --reuid=65534 --regid=65534 --clear-groups ";
        return n + "sh -c 'printf x >> " + m + "/w1; printf x >> " + m + "/w2; printf x >> " + m + "/w3; printf x >> "
                + m + "/w4; truncate -s 1 " + m + "/t1; : > " + m + "/o1'\n"
                + "chown 0:0 " + m + "/c1; printf y >> " + m + "/r1\n"
                // suid set again after a first write cleared it: the next write clears it again
                + n + "sh -c 'printf x >> " + m + "/a1'; chmod 04777 " + m + "/a1; " + n + "sh -c 'printf x >> " + m + "/a1'\n"
                // one descriptor, two writes: the kernel must not keep its cached suid mode after the first
                + n + "sh -c 'exec 3>>" + m + "/a2; printf x >&3; printf x >&3'\n";
    }

    @Test
    void suidAndSgidEndAsOnKernelOverlayfs() throws Exception {
        Map<String, String> kernel = run("kernel", true);
        Map<String, String> strata = run("strata", false);
        assertEquals(kernel, strata);
        // what the kernel answers, spelled out: suid goes on every unprivileged write, truncate and O_TRUNC open; sgid
        // with group execute, or (w3) when the writer is not in the file's group; root's write keeps both
        assertEquals("777 6", strata.get("w1"));
        assertEquals("767 6", strata.get("w3"));
        assertEquals("777 0", strata.get("o1"));
        assertEquals("777 1", strata.get("t1"));
        assertEquals("755 5", strata.get("c1"));
        assertEquals("6777 6", strata.get("r1"));
        assertEquals("777 7", strata.get("a1"));
        assertEquals("777 7", strata.get("a2"));
    }

    /**
     * With passthrough the kernel writes the layer files itself, so it clears suid/sgid itself (no HANDLE_KILLPRIV_V2),
     * except on an O_TRUNC open (o1), whose truncation is the OPEN's: the server clears them there. One difference is
     * left, the kernel's own: its FUSE code clears sgid only with group execute, so a write by a non-member to a file
     * with sgid and no group execute (w3) keeps it, where overlayfs clears it.
     */
    @Test
    void withPassthroughSuidAndSgidEndAsOnKernelOverlayfsButOne() throws Exception {
        Map<String, String> kernel = run("kernel", true);
        extraOptions = ",passthrough";
        Map<String, String> strata = run("strata", false);
        assertEquals("777 0", strata.get("o1"));
        kernel.remove("w3");
        strata.remove("w3");
        assertEquals(kernel, strata);
    }

    @Test
    void writesAfterTheFirstSendNoCapabilityQuestion() throws Exception {
        Path counts = base.resolve("counts.txt");
        String before = System.getProperty("strata.fuse.ll.requestCounts");
        System.setProperty("strata.fuse.ll.requestCounts", counts.toString());
        try {
            Path m = mountStrata(base.resolve("s"));
            try {
                Path f = m.resolve("new");
                try (var ch = java.nio.channels.FileChannel.open(f, java.nio.file.StandardOpenOption.CREATE_NEW,
                        java.nio.file.StandardOpenOption.WRITE)) {
                    for (int i = 0; i < 8; i++) ch.write(java.nio.ByteBuffer.wrap(new byte[]{(byte) i}));
                }
                assertEquals(8, Files.size(f));
            } finally {
                unmount(m);
            }
        } finally {
            if (before == null) System.clearProperty("strata.fuse.ll.requestCounts");
            else System.setProperty("strata.fuse.ll.requestCounts", before);
        }
        Map<String, Long> c = new TreeMap<>();
        for (String line : Files.readAllLines(counts)) {
            String[] kv = line.trim().split("\\s+");
            if (kv.length == 2) c.put(kv[0], Long.parseLong(kv[1]));
        }
        assertEquals(8L, c.get("WRITE"), c.toString());
        // without HANDLE_KILLPRIV_V2 the kernel asks for security.capability before each of the 8 writes
        assertTrue(c.getOrDefault("GETXATTR", 0L) <= 1, c.toString());
    }

    /** Makes the layers, mounts, runs the script, returns "mode size" by name, unmounts. */
    private Map<String, String> run(String name, boolean kernel) throws Exception {
        Path b = base.resolve(name);
        Path lower = Files.createDirectories(b.resolve("lower1"));
        for (String[] f : FILES) {
            Path p = lower.resolve(f[0]);
            Files.writeString(p, "data\n");
            sh("chmod " + f[1] + " " + p);
        }
        Path m;
        if (kernel) {
            m = Files.createDirectories(b.resolve("mnt"));
            Files.createDirectories(b.resolve("upper"));
            Files.createDirectories(b.resolve("work"));
            sh("mount -t overlay overlay -o " + Unions.options(b, 1, true, "metacopy=on,redirect_dir=on") + " " + m);
        } else {
            m = mountStrata(b);
        }
        try {
            sh(script(m));
            Map<String, String> modes = new TreeMap<>();
            for (String[] f : FILES) {
                String out = sh("stat -c '%a %s' " + m.resolve(f[0])).trim();
                modes.put(f[0], out);
            }
            return modes;
        } finally {
            if (kernel) {
                sh("umount " + m);
                assertFalse(MountTable.isMounted(m), "the kernel mount is gone");
            } else {
                unmount(m);
            }
        }
    }

    private FuseMount mounted;
    private String extraOptions = "";

    private Path mountStrata(Path b) throws Exception {
        Files.createDirectories(b.resolve("lower1"));
        Path m = Files.createDirectories(b.resolve("mnt"));
        var fs = Unions.open(b, 1, true, "");
        mounted = FuseMount.start(fs, MountOptions.parse(List.of(Unions.options(b, 1, true, "") + extraOptions)), m, "test");
        return m;
    }

    private void unmount(Path m) {
        if (mounted != null) mounted.close();
        mounted = null;
        assertFalse(MountTable.isMounted(m), "the test's mount is gone");
    }

    /** Runs a shell script; its standard output. Fails the test on a non-zero exit. */
    private String sh(String script) throws IOException, InterruptedException {
        // the unprivileged user must reach the files: the temporary directory is the owner's only
        Files.setPosixFilePermissions(base, PosixFilePermissions.fromString("rwxr-xr-x"));
        Process p = new ProcessBuilder("sh", "-c", script).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), script + "\n" + out);
        return out;
    }
}
