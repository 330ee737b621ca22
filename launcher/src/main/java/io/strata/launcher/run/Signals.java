package io.strata.launcher.run;

import jnr.ffi.LibraryLoader;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Signals by name and number (Linux x86-64 / arm64 numbering), kill(2), and relaying the signals this JVM receives to
 * the helper while it runs, so that a JVM told to stop waits for its container instead of exiting around it.
 */
public final class Signals {
    public interface LibC {
        int kill(int pid, int sig);

        int getpgrp();

        int tcgetpgrp(int fd);

        int open(String path, int flags);

        int close(int fd);
    }

    private static final LibC C = LibraryLoader.create(LibC.class).failImmediately().load("c");

    private static final Map<String, Integer> NUMBERS = Map.ofEntries(Map.entry("HUP", 1), Map.entry("INT", 2),
            Map.entry("QUIT", 3), Map.entry("ILL", 4), Map.entry("TRAP", 5), Map.entry("ABRT", 6), Map.entry("BUS", 7),
            Map.entry("FPE", 8), Map.entry("KILL", 9), Map.entry("USR1", 10), Map.entry("SEGV", 11), Map.entry("USR2", 12),
            Map.entry("PIPE", 13), Map.entry("ALRM", 14), Map.entry("TERM", 15), Map.entry("STKFLT", 16), Map.entry("CHLD", 17),
            Map.entry("CONT", 18), Map.entry("STOP", 19), Map.entry("TSTP", 20), Map.entry("TTIN", 21), Map.entry("TTOU", 22),
            Map.entry("URG", 23), Map.entry("XCPU", 24), Map.entry("XFSZ", 25), Map.entry("VTALRM", 26), Map.entry("PROF", 27),
            Map.entry("WINCH", 28), Map.entry("IO", 29), Map.entry("PWR", 30), Map.entry("SYS", 31));

    private Signals() {
    }

    /** "TERM", "SIGTERM", "sigterm" or "15" → 15; IllegalArgumentException otherwise. */
    public static int number(String s) {
        String n = s.trim().toUpperCase(Locale.ROOT);
        if (n.matches("\\d{1,2}")) {
            int v = Integer.parseInt(n);
            if (v >= 1 && v <= 64) return v;
        }
        Integer v = NUMBERS.get(n.startsWith("SIG") ? n.substring(3) : n);
        if (v == null) throw new IllegalArgumentException("unknown signal " + s);
        return v;
    }

    /** kill(2); false when there is no such process (or no permission). */
    public static boolean kill(long pid, int sig) {
        return pid > 0 && C.kill((int) pid, sig) == 0;
    }

    /**
     * Whether this process is in the foreground process group of its controlling terminal: then the terminal's ^C and
     * hangup reach the helper (same process group) directly, and relaying them would deliver them twice.
     */
    static boolean terminalForeground() {
        int fd = C.open("/dev/tty", 0x800 /* O_RDONLY|O_NONBLOCK */);
        if (fd < 0) return false;
        try {
            return C.tcgetpgrp(fd) == C.getpgrp();
        } finally {
            C.close(fd);
        }
    }

    /**
     * Relays SIGINT, SIGTERM and SIGHUP sent to this JVM to a process, until closed (then the JVM's own handlers are
     * back). Installed before the process starts: a signal that comes first is held and passed on once
     * {@link Relay#to} names the process.
     */
    public static Relay relay() {
        return new Relay();
    }

    public static final class Relay implements AutoCloseable {
        private final List<Runnable> restore = new ArrayList<>();
        private final List<Integer> held = new ArrayList<>();
        private long pid;

        private Relay() {
            boolean fromTerminal = terminalForeground();
            for (String name : List.of("INT", "TERM", "HUP")) {
                if (fromTerminal && !name.equals("TERM")) continue; // the terminal sends these to the helper itself
                try {
                    sun.misc.Signal sig = new sun.misc.Signal(name);
                    sun.misc.SignalHandler old = sun.misc.Signal.handle(sig, s -> pass(s.getNumber()));
                    restore.add(() -> sun.misc.Signal.handle(sig, old));
                } catch (IllegalArgumentException reserved) {
                    // the JVM keeps this one (e.g. run with -Xrs)
                }
            }
        }

        private synchronized void pass(int sig) {
            if (pid > 0) kill(pid, sig);
            else held.add(sig);
        }

        /** From now on signals go to pid; those that came before go first. */
        public synchronized void to(long target) {
            pid = target;
            for (int sig : held) kill(pid, sig);
            held.clear();
        }

        @Override
        public void close() {
            restore.forEach(Runnable::run);
        }
    }
}
