package io.strata.launcher.run;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** Processes as /proc shows them: a pid plus its start time names one process for good (pids are reused). */
public final class Procs {
    private Procs() {
    }

    /** A process: its pid and start time (clock ticks after boot, /proc/PID/stat field 22). */
    public record Id(long pid, long start) {
        /** Still the same process, and not a zombie. */
        public boolean alive() {
            return start >= 0 && startTime(pid) == start;
        }
    }

    /** This JVM. */
    public static Id self() {
        long pid = ProcessHandle.current().pid();
        return new Id(pid, startTime(pid));
    }

    public static Id of(long pid) {
        return new Id(pid, startTime(pid));
    }

    /** The start time of a live process; -1 when there is none (or it is a zombie: dead, waiting to be reaped). */
    public static long startTime(long pid) {
        String[] f = stat(pid);
        if (f == null || f[0].equals("Z") || f[0].equals("X")) return -1;
        return Long.parseLong(f[19]);
    }

    /** The parent's pid, or -1. */
    public static long parent(long pid) {
        String[] f = stat(pid);
        return f == null ? -1 : Long.parseLong(f[1]);
    }

    public static boolean alive(long pid) {
        return startTime(pid) >= 0;
    }

    /** The fields of /proc/PID/stat after "(comm)": [0] = state, [1] = ppid, … [19] = starttime. */
    private static String[] stat(long pid) {
        try {
            String s = Files.readString(Path.of("/proc/" + pid + "/stat"));
            return s.substring(s.lastIndexOf(')') + 2).trim().split(" ");
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
