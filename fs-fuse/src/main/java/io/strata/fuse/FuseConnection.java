package io.strata.fuse;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import java.util.concurrent.TimeUnit;

/**
 * A FUSE connection as the kernel's fusectl file system shows it (/sys/fs/fuse/connections/N, N = the minor number
 * of the mount's st_dev). Writing to its {@code abort} file ends the connection: every request waiting or to come
 * fails (ENOTCONN), and the server's reads of /dev/fuse fail, so its loop ends. That is what stops serving a mount that
 * was detached lazily while a process still holds files in it (the kernel keeps such a connection until the last file
 * is closed), when whoever serves it must close what it serves from.
 */
public final class FuseConnection {
    static final Path CONNECTIONS = Path.of("/sys/fs/fuse/connections");

    private FuseConnection() {
    }

    /** The connection number of the FUSE mount at mountPoint (while mounted), or empty if it cannot be read. */
    public static OptionalLong of(Path mountPoint) {
        try {
            return OptionalLong.of(minor((Long) Files.getAttribute(mountPoint, "unix:dev")));
        } catch (IOException | RuntimeException e) {
            return OptionalLong.empty();
        }
    }

    /** glibc's minor(): the low 8 bits and bits 20–43 of a dev_t. */
    static long minor(long dev) {
        return (dev & 0xffL) | ((dev >>> 12) & 0xffffff00L);
    }

    /** Aborts connection n, mounting fusectl first if it is not (as systemd does at boot); false if it cannot. */
    public static boolean abort(long n) {
        Path abort = CONNECTIONS.resolve(Long.toString(n)).resolve("abort");
        if (!Files.exists(abort) && Files.isDirectory(CONNECTIONS) && !MountTable.isMounted(CONNECTIONS)) mountFusectl();
        try {
            Files.writeString(abort, "1");
            return true;
        } catch (IOException e) {
            return false; // gone already, or no fusectl
        }
    }

    private static void mountFusectl() {
        try {
            Process p = new ProcessBuilder("mount", "-t", "fusectl", "fusectl", CONNECTIONS.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!p.waitFor(10, TimeUnit.SECONDS)) p.destroyForcibly();
        } catch (IOException e) {
            // no mount(8): abort reports false
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
