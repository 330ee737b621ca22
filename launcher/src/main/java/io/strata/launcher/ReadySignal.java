package io.strata.launcher;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.io.FileOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * How a serving JVM started by a script (bin/strata-overlay; ./strata through scripts/serve-mount.sh) tells it that the
 * mount is live: "ready" on the pipe or fifo the script gave it as a file descriptor ({@code --ready-fd=N}), then that
 * descriptor closed, so that the script reads EOF and returns while this JVM goes on serving.
 */
final class ReadySignal {
    private ReadySignal() {
    }

    /** Only a pipe or fifo is written and closed: a wrong number must not close one of the JVM's own files. */
    static void send(int fd) {
        Path link = Path.of("/proc/self/fd/" + fd);
        try {
            if (Host.fstat(fd).type() != Stat.S_IFIFO) {
                System.err.println("strata: ready fd " + fd + " is not a pipe; not signalled");
                return;
            }
            try (FileOutputStream out = new FileOutputStream(link.toFile())) {
                out.write("ready\n".getBytes(StandardCharsets.US_ASCII));
            }
        } catch (IOException | FsException e) {
            System.err.println("strata: cannot signal the mount on fd " + fd + ": " + e);
            return;
        }
        Host.libc().close(fd);
    }
}
