package io.strata.launcher;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;

/** The strata CLI run in-process as a user types it, with what it printed; and the server process of a mount. */
public final class Cli {
    private Cli() {
    }

    public record Result(int code, String out, String err) {
    }

    /** Main.run with stdout and stderr captured (one at a time: System.out/err are global). */
    public static synchronized Result run(String... args) {
        PrintStream oldOut = System.out, oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        System.setOut(new PrintStream(out, true));
        System.setErr(new PrintStream(err, true));
        try {
            return new Result(Main.run(args), out.toString(), err.toString());
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    /** The background server JVM of the union mounted at mnt, if any. */
    public static Optional<ProcessHandle> serverOf(Path mnt) {
        return ProcessHandle.allProcesses()
                .filter(p -> p.info().commandLine().map(c -> c.contains(mnt.toString()) && c.contains("mount")).orElse(false))
                .findFirst();
    }
}
