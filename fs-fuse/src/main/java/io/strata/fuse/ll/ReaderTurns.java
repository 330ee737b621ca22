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
 * first wakes a parked worker to read in its place, and goes back to reading itself when done (no parking after such a
 * request), so while requests that may block come in, every worker reads, as without turns, and concurrent reads are
 * still served in parallel.
 */
final class ReaderTurns {
    private final AtomicInteger reading = new AtomicInteger();
    private final ConcurrentLinkedDeque<Thread> parked = new ConcurrentLinkedDeque<>();
    private volatile boolean closed;

    /**
     * Before reading: waits while another worker reads, unless this worker's last request was one that may block.
     * False once the session is ending.
     */
    boolean awaitTurn(boolean lastMayBlock) {
        Thread self = Thread.currentThread();
        if (!lastMayBlock && reading.get() > 0 && !closed) {
            parked.add(self);
            if (reading.get() == 0) parked.remove(self); // the reader took a request meanwhile: read in its place
            while (parked.contains(self) && !closed) LockSupport.park(this);
            parked.remove(self);
        }
        reading.incrementAndGet();
        return !closed;
    }

    /**
     * After reading a request (opcode and length from its header; opcode -1: none): hands the reading on if the request
     * may block, and says so.
     */
    boolean received(int opcode, int length) {
        reading.decrementAndGet();
        if (opcode < 0 || !mayBlock(opcode, length)) return false;
        if (reading.get() == 0) {
            Thread next = parked.poll();
            if (next != null) LockSupport.unpark(next);
        }
        return true;
    }

    /** The session is ending: every parked worker returns from {@link #awaitTurn} with false. */
    void close() {
        closed = true;
        for (Thread t : parked) LockSupport.unpark(t);
    }

    /** Small writes land in the page cache; above this a write may wait for the disk. */
    static final int SMALL_WRITE = 64 << 10;

    /**
     * Requests answered from memory or with a syscall or two on metadata are quick, and so are small writes; everything
     * else (reads, large writes, listings, fsync, opens and attribute changes that may copy a file up, renames, links)
     * may take long. length is the whole request's (fuse_in_header.len). (A SETATTR on a file already in the upper
     * layer counted as quick cost a quiet box's untar 30% more time, though it saved CPU on a loaded one: not done.)
     */
    static boolean mayBlock(int opcode, int length) {
        if (opcode == 16 /* WRITE */) return length > SMALL_WRITE;
        return switch (opcode) {
            case 1 /* LOOKUP */, 2 /* FORGET */, 3 /* GETATTR */, 5 /* READLINK */, 6 /* SYMLINK */, 8 /* MKNOD */,
                 9 /* MKDIR */, 10 /* UNLINK */, 17 /* STATFS */, 18 /* RELEASE */, 22 /* GETXATTR */,
                 23 /* LISTXATTR */, 25 /* FLUSH */, 26 /* INIT */, 27 /* OPENDIR */, 29 /* RELEASEDIR */,
                 34 /* ACCESS */, 35 /* CREATE */, 36 /* INTERRUPT */, 38 /* DESTROY */, 42 /* BATCH_FORGET */ -> false;
            default -> true;
        };
    }
}
