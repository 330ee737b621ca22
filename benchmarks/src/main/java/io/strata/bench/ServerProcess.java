package io.strata.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import java.util.function.Predicate;

/** A FUSE server found in /proc by its command line: its memory (VmRSS/VmHWM) and CPU time. */
final class ServerProcess {
    private static final double CLK_TCK = clockTicks();

    private ServerProcess() {
    }

    private static double clockTicks() {
        try {
            return Double.parseDouble(Shell.output("getconf", "CLK_TCK"));
        } catch (RuntimeException e) {
            return 100;
        }
    }

    /** The argv of a process, or null once it is gone. */
    static List<String> argv(long pid) {
        try {
            byte[] raw = Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"));
            if (raw.length == 0) return null;
            return Arrays.asList(new String(raw, StandardCharsets.UTF_8).split("\0"));
        } catch (IOException e) {
            return null;
        }
    }

    /** Processes (other than this one) whose argv matches. */
    static List<Long> find(Predicate<List<String>> argvMatches) {
        long self = ProcessHandle.current().pid();
        List<Long> pids = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(Path.of("/proc"), "[0-9]*")) {
            for (Path p : ds) {
                long pid = Long.parseLong(p.getFileName().toString());
                if (pid == self) continue;
                List<String> argv = argv(pid);
                if (argv != null && argvMatches.test(argv)) pids.add(pid);
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
        return pids;
    }

    /** A field of /proc/PID/status in KiB (VmRSS, VmHWM), or -1. */
    static long statusKib(long pid, String field) {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status")))
                if (line.startsWith(field + ":")) return Long.parseLong(line.substring(field.length() + 1).trim().split("\\s+")[0]);
        } catch (IOException | RuntimeException ignored) {
        }
        return -1;
    }

    /** User + system CPU seconds used so far by the process (all its threads), or NaN once it is gone. */
    static double cpuSeconds(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / CLK_TCK; // utime, stime (fields 14, 15)
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    static boolean alive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /** Waits for a process to exit by itself; then SIGTERM, then SIGKILL. Returns true if it exited by itself. */
    static boolean awaitExit(long pid, long millis) {
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (System.nanoTime() < deadline) {
            if (!alive(pid)) return true;
            sleep(10);
        }
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroy);
        for (int i = 0; i < 300 && alive(pid); i++) sleep(10);
        ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly);
        return false;
    }

    static OptionalLong single(List<Long> pids) {
        return pids.isEmpty() ? OptionalLong.empty() : OptionalLong.of(pids.get(0));
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
