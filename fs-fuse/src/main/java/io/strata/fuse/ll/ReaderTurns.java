package io.strata.fuse.ll;

import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * Which worker reads /dev/fuse next. The kernel hands a request to the reader that has waited longest, so with every
 * worker waiting in read a serial stream of requests (tar, rm -rf: one request in flight at a time) moves from thread
 * to thread at each request, each a wake-up of a cold thread (benchmarks/RESULTS-union-perf.md: 2 workers cost more
 * server CPU than 1 on creates). Here a worker that has answered a request reads again only when no other worker is
 * reading, else it parks; one that starts a request that may block (data, listings, fsync, anything that may copy up)
 * first wakes a parked worker to read in its place, so concurrent reads are still served in parallel.
 */
final class ReaderTurns {
    private final AtomicInteger reading = new AtomicInteger();
    private final ConcurrentLinkedDeque<Thread> parked = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /** Before reading: waits while another worker reads. False once the session is ending. */
    boolean awaitTurn() {
        Thread self = Thread.currentThread();
        if (reading.get() > 0 && !closed) {
            parked.add(self);
            if (reading.get() == 0) parked.remove(self); // the reader took a request meanwhile: read in its place
            while (parked.contains(self) && !closed) LockSupport.park(this);
            parked.remove(self);
        }
        reading.incrementAndGet();
        return !closed;
    }

    /** After reading (a request with this opcode, or -1 for none): hands the reading on if the request may block. */
    void received(int opcode) {
        reading.decrementAndGet();
        if (opcode >= 0 && mayBlock(opcode) && reading.get() == 0) {
            Thread next = parked.poll();
            if (next != null) LockSupport.unpark(next);
        }
    }

    /** The session is ending: every parked worker returns from {@link #awaitTurn} with false. */
    void close() {
        closed = true;
        for (Thread t : parked) LockSupport.unpark(t);
    }

    /**
     * Requests answered from memory or with a syscall or two on metadata are quick; everything else (reads and writes,
     * listings, fsync, opens and attribute changes that may copy a file up, renames, links) may take long.
     */
    static boolean mayBlock(int opcode) {
        return switch (opcode) {
            case 1 /* LOOKUP */, 2 /* FORGET */, 3 /* GETATTR */, 5 /* READLINK */, 6 /* SYMLINK */, 8 /* MKNOD */,
                 9 /* MKDIR */, 10 /* UNLINK */, 17 /* STATFS */, 18 /* RELEASE */, 22 /* GETXATTR */,
                 23 /* LISTXATTR */, 25 /* FLUSH */, 26 /* INIT */, 27 /* OPENDIR */, 29 /* RELEASEDIR */,
                 34 /* ACCESS */, 35 /* CREATE */, 36 /* INTERRUPT */, 38 /* DESTROY */, 42 /* BATCH_FORGET */ -> false;
            default -> true;
        };
    }
}
