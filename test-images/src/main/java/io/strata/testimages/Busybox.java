package io.strata.testimages;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Debian's statically linked busybox (package {@code busybox-static}, installed by scripts/deps.sh): the images' base. */
public final class Busybox {
    /** Applets linked in the base layer's /bin. */
    public static final List<String> APPLETS = List.of("sh", "ls", "cat", "echo", "cp", "mv", "rm", "mkdir", "ln",
            "stat", "find", "grep", "sed", "sleep", "true", "false", "env", "id", "uname");

    private static byte[] cached;

    private Busybox() {
    }

    public static Path path() {
        String override = System.getenv("STRATA_BUSYBOX");
        for (String p : override != null ? List.of(override) : List.of("/bin/busybox", "/usr/bin/busybox")) {
            Path path = Path.of(p);
            if (Files.isRegularFile(path)) return path;
        }
        throw new IllegalStateException("busybox not found: install Debian's busybox-static (scripts/deps.sh does)");
    }

    public static synchronized byte[] bytes() {
        if (cached == null) {
            try {
                cached = Files.readAllBytes(path());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        return cached;
    }

    /** A base layer: /bin/busybox with its applets as symlinks, /etc with passwd and group, /tmp, /root. */
    static TarBuilder base(TarBuilder t) {
        t.dir("bin").file("bin/busybox", bytes(), 0755);
        for (String a : APPLETS) t.symlink("bin/" + a, "busybox");
        return t.dir("etc")
                .file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n")
                .file("etc/group", "root:x:0:\nnogroup:x:65534:\n")
                .dir("root", 0700).dir("tmp", 01777);
    }
}
