package io.strata.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Noise that a run can see and undo: another process dropping the caches (echo N > /proc/sys/vm/drop_caches) while a
 * step is timed turns a warm read into a cold one. The kernel counts every drop in /proc/vmstat ({@code drop_pagecache},
 * {@code drop_slab}); the run reads them just before and just after each timed step (its own drops happen earlier, in
 * the untimed preparation), and reruns a disturbed sample, preparation included, when the workload can run again.
 */
final class Noise {
    /** Attempts per sample, the first included; a sample still disturbed after them is kept and marked. */
    static final int MAX_ATTEMPTS = 3;

    private Noise() {
    }

    /** The kernel's cache-drop counters; -1 where this kernel has none (then no drop can be seen). */
    record Drops(long pagecache, long slab) {
        static final Drops UNKNOWN = new Drops(-1, -1);

        static Drops parse(String vmstat) {
            long pc = -1, slab = -1;
            for (String line : vmstat.split("\n")) {
                String[] kv = line.trim().split("\\s+");
                if (kv.length != 2) continue;
                try {
                    if (kv[0].equals("drop_pagecache")) pc = Long.parseLong(kv[1]);
                    else if (kv[0].equals("drop_slab")) slab = Long.parseLong(kv[1]);
                } catch (NumberFormatException ignored) {
                    // not a counter line
                }
            }
            return new Drops(pc, slab);
        }

        static Drops read() {
            try {
                return parse(Files.readString(Path.of("/proc/vmstat")));
            } catch (IOException e) {
                return UNKNOWN;
            }
        }
    }

    /** Did caches get dropped between the two readings? Unknown counters never say so. */
    static boolean droppedBetween(Drops before, Drops after) {
        return grew(before.pagecache(), after.pagecache()) || grew(before.slab(), after.slab());
    }

    private static boolean grew(long before, long after) {
        return before >= 0 && after > before;
    }

    enum Decision {
        /** an undisturbed sample */
        KEEP,
        /** disturbed: prepare and time it again */
        RERUN,
        /** disturbed, and it cannot or may no more be run again: kept, and marked in the report */
        KEEP_DISTURBED
    }

    /**
     * What to do with a sample. attempt counts from 1; repeatable is false for workloads that change the union (a
     * second untar or rm -rf in the same repetition would not do the same work).
     */
    static Decision decide(boolean disturbed, int attempt, boolean repeatable) {
        if (!disturbed) return Decision.KEEP;
        return repeatable && attempt < MAX_ATTEMPTS ? Decision.RERUN : Decision.KEEP_DISTURBED;
    }
}
