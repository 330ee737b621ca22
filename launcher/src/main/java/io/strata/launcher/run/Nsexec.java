package io.strata.launcher.run;

import io.strata.launcher.UserError;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * How the launcher starts strata-nsexec (launcher/NSEXEC.md): the argv of its run and exec modes, and running it in
 * the foreground with this JVM's terminal, relaying the signals the JVM gets and waiting for it whatever happens.
 */
final class Nsexec {
    private Nsexec() {
    }

    /** The helper binary: $STRATA_NSEXEC if set (a development build), else the one built into the jar. */
    static Path binary() {
        String env = System.getenv("STRATA_NSEXEC");
        Path p = env != null && !env.isBlank() ? Path.of(env) : NsexecBinary.path();
        if (!Files.isExecutable(p)) throw new UserError("the helper " + p + " is not executable");
        return p;
    }

    static List<String> run(RunDir d, List<String> cgroups, boolean init, boolean detach) {
        List<String> argv = new ArrayList<>(List.of(binary().toString(), "run", "--bundle", d.dir().toString()));
        for (String c : cgroups) argv.addAll(List.of("--cgroup", c));
        argv.addAll(List.of("--pid-file", d.pidFile().toString()));
        if (detach) argv.addAll(List.of("--detach", "--log", d.log().toString(), "--exit-file", d.exitFile().toString()));
        if (init) argv.add("--init");
        return argv;
    }

    static List<String> exec(long pid, Path processJson, List<String> cgroups) {
        List<String> argv = new ArrayList<>(List.of(binary().toString(), "exec", "--pid", Long.toString(pid), "--process",
                processJson.toString()));
        for (String c : cgroups) argv.addAll(List.of("--cgroup", c));
        return argv;
    }

    /**
     * Runs the helper on this JVM's stdout/stderr (and stdin when interactive, else /dev/null) and returns its exit
     * status. SIGINT, SIGTERM and SIGHUP sent to the JVM go to the helper, which passes them to the container; if
     * the JVM is made to exit anyway, its shutdown hook first stops the helper and waits for it, so nothing of the
     * run is torn down under a running container.
     */
    static int foreground(List<String> argv, boolean interactive) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(argv).redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .redirectInput(interactive ? ProcessBuilder.Redirect.INHERIT : ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        try (Signals.Relay relay = Signals.relay()) {
            Process p = pb.start();
            relay.to(p.pid());
            Thread hook = new Thread(() -> {
                if (!p.isAlive()) return;
                Signals.kill(p.pid(), Signals.number("TERM"));
                try {
                    if (!p.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) p.destroyForcibly().waitFor();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }, "strata-run-wait");
            Runtime.getRuntime().addShutdownHook(hook);
            try {
                return p.waitFor();
            } finally {
                try {
                    Runtime.getRuntime().removeShutdownHook(hook);
                } catch (IllegalStateException shuttingDown) {
                    // the hook is waiting for the helper
                }
            }
        }
    }
}
