package io.strata.launcher.run;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Where a run's start-up time goes: consecutive phases, each a line {@code phase TAB WHERE.NAME TAB MICROSECONDS}
 * (the daemon's run-start answers its own; the CLI and the native client print them all with STRATA_RUN_TIMING=1).
 */
final class Phases {
    private final String where;
    private final List<String> lines = new ArrayList<>();
    private long last = System.nanoTime();

    Phases(String where) {
        this.where = where;
    }

    /** The phase that began when the previous one ended (or at construction) ends now. */
    void end(String name) {
        long now = System.nanoTime();
        lines.add("phase\t" + where + "." + name + "\t" + (now - last) / 1000);
        last = now;
    }

    List<String> lines() {
        return lines;
    }

    static boolean wanted(Map<String, String> env) {
        return "1".equals(env.get("STRATA_RUN_TIMING"));
    }

    static void print(List<String> phases, PrintStream err) {
        for (String p : phases) {
            String[] f = p.split("\t");
            err.println("strata: " + f[1] + " " + f[2] + " us");
        }
    }
}
