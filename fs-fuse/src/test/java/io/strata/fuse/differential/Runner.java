package io.strata.fuse.differential;

import io.strata.fuse.differential.Ops.Op;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Runs each op on the kernel overlayfs mount, then on the Strata mount, and compares the two results. Keeps the log of
 * every op (with both results) and the list of problems: result mismatches and failed expectations.
 */
final class Runner {
    private final String kernelRoot, strataRoot;
    private final List<String> problems = new ArrayList<>();
    private final Deque<String> recent = new ArrayDeque<>();
    private final List<String> log = new ArrayList<>();
    private int count;
    private int mismatches;

    Runner(String kernelRoot, String strataRoot) {
        this.kernelRoot = kernelRoot;
        this.strataRoot = strataRoot;
    }

    /** The results of one op on both sides. */
    final class Result {
        final Op op;
        final String kernel, strata;
        final int index;

        Result(Op op, String kernel, String strata, int index) {
            this.op = op;
            this.kernel = kernel;
            this.strata = strata;
            this.index = index;
        }

        boolean same() {
            return kernel.equals(strata);
        }

        /**
         * Both sides must also give this result (prefix match, so "ok" accepts "ok 12 bytes ..."): pins down the
         * semantics the differential comparison alone cannot, e.g. that renaming a lower directory is not EXDEV.
         */
        Result expect(String expected) {
            boolean k = kernel.equals(expected) || kernel.startsWith(expected + " ");
            boolean s = strata.equals(expected) || strata.startsWith(expected + " ");
            if (!k || !s)
                problems.add("#" + index + " " + op + ": expected " + expected + ", kernel=" + kernel + " strata=" + strata);
            return this;
        }
    }

    Result run(Op op) {
        String k = op.apply(kernelRoot);
        String s = op.apply(strataRoot);
        int index = ++count;
        Result r = new Result(op, k, s, index);
        String line = "#" + index + " " + op + " -> " + (r.same() ? k : "kernel=" + k + " strata=" + s + "   <-- MISMATCH");
        log.add(line);
        recent.addLast(line);
        if (recent.size() > 30) recent.removeFirst();
        if (!r.same()) {
            mismatches++;
            problems.add("#" + index + " " + op + ": kernel=" + k + " strata=" + s);
        }
        return r;
    }

    /** Runs the ops in order; a script's individual results are compared, not asserted. */
    void runAll(Op... ops) {
        for (Op op : ops) run(op);
    }

    int count() {
        return count;
    }

    int mismatches() {
        return mismatches;
    }

    List<String> problems() {
        return problems;
    }

    List<String> log() {
        return log;
    }

    /** The last (up to) 30 ops with their results. */
    List<String> recent() {
        return List.copyOf(recent);
    }
}
