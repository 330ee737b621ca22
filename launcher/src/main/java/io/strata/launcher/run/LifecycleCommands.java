package io.strata.launcher.run;

import io.strata.launcher.StoreCommands;
import io.strata.launcher.UserError;
import io.strata.store.daemon.StoreRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Callable;

/** {@code strata stop|kill|logs C}: a running container's life, through the store daemon that supervises it. */
public final class LifecycleCommands {
    private LifecycleCommands() {
    }

    abstract static class OnContainer {
        @Option(names = "--store", paramLabel = "DIR", description = "Store root (default: $STRATA_STORE, else /var/lib/strata).")
        Path store;
        @Parameters(index = "0", paramLabel = "CONTAINER")
        String container;

        StoreRoot root() {
            return StoreRoot.resolve(store);
        }
    }

    @Command(name = "stop", description = "Stop a running container: SIGTERM to its pid 1, SIGKILL to all of it after -t seconds.")
    public static final class Stop extends OnContainer implements Callable<Integer> {
        @Option(names = {"-t", "--time"}, paramLabel = "SECONDS", description = "Grace time before SIGKILL (default 10).")
        int seconds = 10;

        @Override
        public Integer call() throws Exception {
            if (seconds < 0) throw new UserError("-t " + seconds + ": not a number of seconds");
            StoreCommands.call(StoreCommands.daemon(root()), "run-stop", container, Integer.toString(seconds));
            System.out.println(container);
            return 0;
        }
    }

    @Command(name = "kill", description = "Send a signal to a running container's pid 1 (default SIGKILL).")
    public static final class Kill extends OnContainer implements Callable<Integer> {
        @Option(names = {"-s", "--signal"}, paramLabel = "SIGNAL", description = "KILL, TERM, HUP, 15, … (default KILL).")
        String signal = "KILL";

        @Override
        public Integer call() throws Exception {
            Signals.number(signal); // a bad name is the caller's error, before the daemon is asked
            StoreCommands.call(StoreCommands.daemon(root()), "run-signal", container, signal);
            System.out.println(container);
            return 0;
        }
    }

    @Command(name = "logs", description = "Print what a detached container (run -d) wrote to stdout and stderr.")
    public static final class Logs extends OnContainer implements Callable<Integer> {
        @Option(names = {"-f", "--follow"}, description = "Keep printing until the container exits.")
        boolean follow;

        @Override
        public Integer call() throws Exception {
            RunDir d = RunDir.of(root().dir(), container);
            if (!Files.isRegularFile(d.log()))
                throw new UserError("no logs of " + container + " (only a detached run, strata run -d, keeps a log)");
            try (InputStream in = Files.newInputStream(d.log())) {
                copy(in);
                while (follow && running(d)) {
                    Thread.sleep(100);
                    copy(in);
                }
                copy(in);
            }
            return 0;
        }

        private static void copy(InputStream in) throws IOException {
            byte[] buf = new byte[65536];
            for (int n; (n = in.read(buf)) > 0; ) System.out.write(buf, 0, n);
            System.out.flush();
        }

        private static boolean running(RunDir d) {
            RunState s = RunState.read(d);
            return s != null && s.running();
        }
    }
}
