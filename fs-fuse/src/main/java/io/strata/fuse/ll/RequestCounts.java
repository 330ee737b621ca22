package io.strata.fuse.ll;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Requests received from the kernel, counted by opcode (the fuse_in_header's second field), to find out where a
 * workload's round trips go (benchmarks/RESULTS-union-perf.md). Off unless -Dstrata.fuse.ll.requestCounts=FILE; the
 * counts are written to FILE when the session ends, one "OPCODE count" line each.
 */
final class RequestCounts {
    /** Opcode names of fuse_kernel.h (7.38), by number. */
    private static final String[] NAMES = {null, "LOOKUP", "FORGET", "GETATTR", "SETATTR", "READLINK", "SYMLINK", null,
            "MKNOD", "MKDIR", "UNLINK", "RMDIR", "RENAME", "LINK", "OPEN", "READ", "WRITE", "STATFS", "RELEASE", null,
            "FSYNC", "SETXATTR", "GETXATTR", "LISTXATTR", "REMOVEXATTR", "FLUSH", "INIT", "OPENDIR", "READDIR",
            "RELEASEDIR", "FSYNCDIR", "GETLK", "SETLK", "SETLKW", "ACCESS", "CREATE", "INTERRUPT", "BMAP", "DESTROY",
            "IOCTL", "POLL", "NOTIFY_REPLY", "BATCH_FORGET", "FALLOCATE", "READDIRPLUS", "RENAME2", "LSEEK",
            "COPY_FILE_RANGE", "SETUPMAPPING", "REMOVEMAPPING", "SYNCFS", "TMPFILE", "STATX"};

    private final Path out;
    private final AtomicLongArray counts = new AtomicLongArray(NAMES.length + 1);

    private RequestCounts(Path out) {
        this.out = out;
    }

    /** The counter asked for by the system property, or null (then nothing is counted). */
    static RequestCounts fromProperty() {
        String f = System.getProperty("strata.fuse.ll.requestCounts");
        return f == null || f.isBlank() ? null : new RequestCounts(Path.of(f));
    }

    void count(int opcode) {
        counts.incrementAndGet(opcode >= 0 && opcode < NAMES.length ? opcode : NAMES.length);
    }

    static String name(int opcode) {
        return opcode >= 0 && opcode < NAMES.length && NAMES[opcode] != null ? NAMES[opcode] : "OP" + opcode;
    }

    String report() {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < counts.length(); i++) {
            long c = counts.get(i);
            if (c > 0) b.append(i < NAMES.length ? name(i) : "OTHER").append(' ').append(c).append('\n');
        }
        return b.toString();
    }

    /** Writes the counts; a failure is reported on stderr, never thrown (the session is ending). */
    void write() {
        try {
            Files.writeString(out, report(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            System.err.println("strata: cannot write request counts to " + out + ": " + e);
        }
    }
}
