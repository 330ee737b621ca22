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

    /**
     * The background server JVM of the union mounted at mnt, if any. Its command line is read from /proc whole:
     * ProcessHandle.Info cuts long ones short, and the mount point comes after a long class path.
     */
    public static Optional<ProcessHandle> serverOf(Path mnt) {
        return ProcessHandle.allProcesses().filter(p -> {
            String c = commandLine(p.pid());
            return c.contains(mnt.toString()) && c.contains("mount");
        }).findFirst();
    }

    /** The whole command line of a process, arguments separated by spaces; "" when it is gone. */
    public static String commandLine(long pid) {
        try {
            return new String(java.nio.file.Files.readAllBytes(Path.of("/proc", Long.toString(pid), "cmdline")),
                    java.nio.charset.StandardCharsets.UTF_8).replace('\0', ' ');
        } catch (java.io.IOException e) {
            return ""; // gone
        }
    }
}
