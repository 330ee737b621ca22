package io.strata.launcher.run;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.launcher.Main;
import io.strata.launcher.StoreCommands;
import io.strata.launcher.UserError;
import io.strata.store.daemon.ContainerRuns;
import io.strata.store.daemon.Protocol;
import io.strata.store.daemon.StoreRoot;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The daemon's side of the native client ({@code strata-nsexec client}, launcher/NSEXEC.md), which the {@code ./strata}
 * wrapper runs for {@code strata run} when the store's daemon is up, so that no JVM starts for a run. The client sends
 * its argv, pid, cwd and environment; this parses the argv with {@link RunCommand}'s picocli definitions (the same
 * flags, help and errors as the CLI) and does what the CLI does before the helper runs — resolve or create the
 * container, run-start, the bundle — with the client's pid as the run's owner (it gone: the daemon cleans up) and its
 * cwd and environment where the CLI would use its own. The answer is one line per item, values escaped (see
 * {@link Protocol#escape}):
 * <pre>
 *   fallback                 another store's run (its --store or $STRATA_STORE): the client runs the JVM CLI instead
 *   stdout TEXT, stderr TEXT what to print (help, errors)
 *   exit N                   no run: exit with N (0 after --help, 125 for strata's errors, 2 for usage)
 *   container C, detach 0|1, interactive 0|1, memory M, exec ARG…, phase …
 *                            a run: the client runs the helper (exec: its argv) in the foreground on its own terminal,
 *                            or detached (then run-detach C PID); a foreground run ends with run-end C STATUS
 * </pre>
 */
final class ClientRuns {
    private ClientRuns() {
    }

    /** Who asked: the client's pid, cwd and environment, and what the run came to. */
    static final class Client {
        private final long pid;
        private final Path cwd;
        private final Map<String, String> env;
        private final Path storeDir;
        private final ContainerRuns.Requests requests;
        private final Phases phases = new Phases("served");
        private boolean otherStore;
        private RunCommand.Started started;

        Client(long pid, Path cwd, Map<String, String> env, Path storeDir, ContainerRuns.Requests requests) {
            this.pid = pid;
            this.cwd = cwd;
            this.env = env;
            this.storeDir = storeDir;
            this.requests = requests;
        }

        long pid() {
            return pid;
        }

        Map<String, String> env() {
            return env;
        }

        /** Where the time of the request goes, from its parsing on. */
        Phases phases() {
            return phases;
        }

        /** --store DIR relative to the client's cwd, else the client's $STRATA_STORE, else the default. */
        StoreRoot root(Path option) {
            String fromEnv = env.get("STRATA_STORE");
            Path p = option != null ? option : Path.of(fromEnv != null && !fromEnv.isBlank() ? fromEnv : StoreRoot.DEFAULT);
            return new StoreRoot(cwd.resolve(p).normalize());
        }

        /** This daemon's requests, served in-process; a UserError (and a fallback answer) for another store's root. */
        StoreCommands.Requests requests(StoreRoot root) {
            if (!root.dir().equals(storeDir)) {
                otherStore = true;
                throw new UserError("the store " + root.dir() + " is not this daemon's");
            }
            return args -> {
                try {
                    return requests.handle(List.of(args));
                } catch (FsException e) {
                    throw new UserError(e.getMessage());
                }
            };
        }

        void started(RunCommand.Started s) {
            started = s;
        }
    }

    /** run-client PID CWD N ARG… ENV… (each value escaped). */
    static List<String> serve(Path storeDir, ContainerRuns.Requests requests, List<String> a) throws FsException {
        Client client;
        List<String> argv = new ArrayList<>();
        try {
            int n = Integer.parseInt(a.get(3));
            Map<String, String> env = new LinkedHashMap<>();
            for (String e : a.subList(4 + n, a.size())) {
                String kv = Protocol.unescape(e);
                int eq = kv.indexOf('=');
                if (eq > 0) env.put(kv.substring(0, eq), kv.substring(eq + 1));
            }
            for (String arg : a.subList(4, 4 + n)) argv.add(Protocol.unescape(arg));
            client = new Client(Long.parseLong(a.get(1)), Path.of(Protocol.unescape(a.get(2))), env, storeDir, requests);
        } catch (RuntimeException e) {
            throw new FsException(Errno.EINVAL, "run-client PID CWD N ARG… ENV…: " + e.getMessage());
        }
        StringWriter out = new StringWriter(), err = new StringWriter();
        Client c = client;
        int code;
        try (PrintWriter o = new PrintWriter(out); PrintWriter e = new PrintWriter(err)) {
            code = Main.runOnly(new RunCommand(c), o, e, argv.toArray(String[]::new));
        }
        if (c.otherStore) return List.of("fallback");
        List<String> lines = new ArrayList<>();
        if (!out.toString().isEmpty()) lines.add("stdout\t" + Protocol.escape(out.toString()));
        if (!err.toString().isEmpty()) lines.add("stderr\t" + Protocol.escape(err.toString()));
        RunCommand.Started s = c.started;
        if (code != 0 || s == null) {
            lines.add("exit\t" + code);
            return lines;
        }
        lines.add("container\t" + Protocol.escape(s.container()));
        lines.add("detach\t" + (s.detach() ? 1 : 0));
        lines.add("interactive\t" + (s.interactive() ? 1 : 0));
        if (s.memory() != null) lines.add("memory\t" + Protocol.escape(s.memory()));
        for (String arg : s.helper()) lines.add("exec\t" + Protocol.escape(arg));
        lines.addAll(s.phases());
        return lines;
    }

    /**
     * The path a first client would find cold — picocli's model of run, the flags' validation, the answer — taken once
     * at daemon start with a request for another store (answered "fallback": nothing is run or written).
     */
    static void warmUp(ContainerRuns.Requests requests) {
        List<String> args = List.of("--rm", "-e", "A=B", "-m", "64m", "--cpus", "0.5", "-v", "/:/host:ro", "--store=/",
                "image", "true");
        List<String> request = new ArrayList<>(List.of("run-client", "0", "/", Integer.toString(args.size())));
        request.addAll(args);
        request.add("PATH=/bin");
        try {
            serve(Path.of("/nonexistent/strata-warm-up"), requests, request);
        } catch (FsException | RuntimeException e) {
            System.err.println("strata daemon: warming up run-client: " + e);
        }
    }
}
