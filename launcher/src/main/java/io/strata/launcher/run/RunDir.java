package io.strata.launcher.run;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A container's runtime directory: {@code /run/strata/containers/STOREKEY/NAME/} (STOREKEY: 8 hex digits of the
 * store's path, so that two stores' containers of one name do not meet; $STRATA_RUN_ROOT replaces /run/strata).
 * It holds the OCI bundle (config.json, rootfs/ — the container mounted read-write by the store daemon), the /etc
 * files bound into the container, the helper's pid file, and for a detached run its log and exit file; state.json
 * is the daemon's record of the run. On tmpfs: a reboot forgets it, as it forgets the processes.
 */
public record RunDir(Path dir) {
    public static Path base() {
        String env = System.getenv("STRATA_RUN_ROOT");
        return Path.of(env != null && !env.isBlank() ? env : "/run/strata").resolve("containers");
    }

    /** The directory of one store's runs. */
    public static Path storeDir(Path storeDir) {
        return base().resolve(storeKey(storeDir));
    }

    public static RunDir of(Path storeDir, String container) {
        return new RunDir(storeDir(storeDir).resolve(container));
    }

    static String storeKey(Path storeDir) {
        try {
            byte[] h = MessageDigest.getInstance("SHA-256").digest(storeDir.toAbsolutePath().normalize().toString()
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(h, 0, 4);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The container's cgroup name (strata/ID in each hierarchy): unique per store and container. */
    public static String cgroupId(Path storeDir, String container) {
        return storeKey(storeDir) + "-" + container;
    }

    public String container() {
        return dir.getFileName().toString();
    }

    public Path rootfs() {
        return dir.resolve("rootfs");
    }

    public Path config() {
        return dir.resolve("config.json");
    }

    public Path state() {
        return dir.resolve("state.json");
    }

    public Path pidFile() {
        return dir.resolve("pid");
    }

    public Path log() {
        return dir.resolve("log");
    }

    public Path exitFile() {
        return dir.resolve("exit");
    }

    /**
     * Creates the directory and rootfs/ (0711 up from /run/strata: a --userns container's root, an unprivileged host
     * uid, must be able to reach its rootfs and /etc files; it cannot list them).
     */
    public void create() throws IOException {
        Path p = base().getParent();
        for (Path d : new Path[] {p, base(), dir.getParent(), dir, rootfs()}) {
            if (!Files.isDirectory(d)) Files.createDirectories(d);
            Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwx--x--x"));
        }
    }

    /** The container's host pid from the helper's pid file, or 0. */
    public long pid() {
        try {
            return Long.parseLong(Files.readString(pidFile()).trim());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    /** The exit status a detached run's shim wrote, or null while there is none. */
    public Integer exitStatus() {
        try {
            return Integer.parseInt(Files.readString(exitFile()).trim());
        } catch (IOException | NumberFormatException e) {
            return null;
        }
    }
}
