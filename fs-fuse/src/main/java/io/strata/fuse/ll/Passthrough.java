package io.strata.fuse.ll;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.LibC;
import io.strata.core.host.Stat;
import jnr.ffi.Pointer;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.HashMap;
import java.util.Map;

/**
 * FUSE passthrough (kernel 6.9+, CONFIG_FUSE_PASSTHROUGH): a file whose data is a host file (an upper or lower layer
 * file) is opened with FOPEN_PASSTHROUGH and a backing id, and the kernel then reads, writes and mmaps the host file
 * itself, without a request to this process and with the host file's page cache (shared with other mounts of the same
 * layer, as kernel overlayfs shares it). Opt-in: {@code -o passthrough} or -Dstrata.fuse.ll.passthrough=on; it needs
 * CAP_SYS_ADMIN (root).
 *
 * <p>libfuse 3.14 predates passthrough, so three replies are made here: FUSE_INIT's (libfuse's own reply, with the
 * FUSE_PASSTHROUGH flag and max_stack_depth added: {@link InitReply}), and FUSE_OPEN's and FUSE_CREATE's (fuse_open_out
 * with the backing id, after a fuse_entry_out for CREATE, sent as plain buffer replies: {@link #openOut}).
 *
 * <p>The kernel keeps one backing file per FUSE inode while any passthrough open of it lives, and refuses (EIO to the
 * caller) a non-passthrough open of such an inode or a passthrough open with another backing file. So opens are
 * counted per node: a node open in the page-cache mode (a file without a host descriptor, e.g. in the block store)
 * stays in that mode until its last release; a node open for passthrough reuses its backing id. The one case that
 * cannot be served is a lower file open through passthrough while another open copies it up (the new open's data is
 * another host file): that open fails with ETXTBSY, where kernel overlayfs would let the old descriptor read the
 * lower file and the new one write the upper one.
 */
final class Passthrough {
    /** fuse_open_out: fh, open_flags, backing_id. */
    static final int OPEN_OUT_SIZE = 16;
    static final int FOPEN_KEEP_CACHE = 1 << 1, FOPEN_NOFLUSH = 1 << 5, FOPEN_PASSTHROUGH = 1 << 7;
    /** _IOW(229, 1, struct fuse_backing_map) and _IOW(229, 2, uint32_t). */
    static final long BACKING_OPEN = 0x4010E501L, BACKING_CLOSE = 0x4004E502L;
    /** How long an open that conflicts with a node's passthrough opens waits for their RELEASE in flight. */
    static final long RELEASE_WAIT_NANOS = 200_000_000L;

    private static final LibC SYS = Host.libc();

    private final int devFd;
    private volatile boolean active = true;
    private volatile String refusal;
    private final Map<Long, NodeMode> modes = new HashMap<>();
    /** Backing files registered in this JVM so far (each serves all concurrent opens of one node): for tests. */
    static final java.util.concurrent.atomic.AtomicLong BACKING_OPENS = new java.util.concurrent.atomic.AtomicLong();

    /** How a node's live opens reach their data: the page cache (cached &gt; 0) or one backing file (id &gt; 0). */
    private static final class NodeMode {
        int cached;
        int backingId;
        long dev, ino;
        int passthroughOpens;
    }

    Passthrough(int devFd) {
        this.devFd = devFd;
    }

    /** True while backing files can still be opened (the kernel accepted passthrough at FUSE_INIT: {@link InitReply}). */
    boolean active() {
        return active;
    }

    /** Why passthrough stopped being used (null while it is). */
    String refusal() {
        return refusal;
    }

    /**
     * Decides how a new open of node reaches its data: a backing id (&gt; 0) for FOPEN_PASSTHROUGH, or 0 for the page
     * cache. Pair every call with {@link #released}. Throws ETXTBSY when the node is open for passthrough onto
     * another host file (see the class comment).
     */
    synchronized int opened(long node, int hostFd) throws FsException {
        NodeMode m = modes.computeIfAbsent(node, k -> new NodeMode());
        if (m.passthroughOpens > 0) {
            Stat id = hostFd >= 0 ? hostStat(hostFd) : null;
            if (id != null && id.dev() == m.dev && id.ino() == m.ino) {
                m.passthroughOpens++;
                return m.backingId;
            }
            // "cat f; echo x >> f": the kernel sends close(2)'s RELEASE before this OPEN, but another worker may
            // still be serving it
            long until = System.nanoTime() + RELEASE_WAIT_NANOS;
            for (long left; m.passthroughOpens > 0 && (left = until - System.nanoTime()) > 0; ) {
                try {
                    wait(Math.max(1, left / 1_000_000));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    break;
                }
            }
            if (m.passthroughOpens > 0) throw new FsException(Errno.ETXTBSY);
            m = modes.computeIfAbsent(node, k -> new NodeMode()); // released meanwhile: a fresh start
        }
        if (!active || hostFd < 0 || m.cached > 0) {
            m.cached++;
            return 0;
        }
        Stat id = hostStat(hostFd);
        int backing = id == null ? -1 : SYS.ioctl(devFd, BACKING_OPEN, backingMap(hostFd));
        if (backing <= 0) {
            int errno = Host.lastError();
            if (errno == Errno.EPERM.code || errno == Errno.ENOTTY.code || errno == Errno.EOPNOTSUPP.code) {
                active = false; // not allowed here: the page cache for the rest of the mount
                refusal = "FUSE_DEV_IOC_BACKING_OPEN: " + Errno.describe(errno);
            }
            m.cached++;
            return 0;
        }
        BACKING_OPENS.incrementAndGet();
        m.backingId = backing;
        m.dev = id.dev();
        m.ino = id.ino();
        m.passthroughOpens = 1;
        return backing;
    }

    /** The open made by {@link #opened} with this answer ended (RELEASE, or its reply failed). */
    synchronized void released(long node, int backingId) {
        NodeMode m = modes.get(node);
        if (m == null) return;
        if (backingId > 0) {
            if (--m.passthroughOpens == 0) {
                SYS.ioctl(devFd, BACKING_CLOSE, ByteBuffer.allocate(4).order(ByteOrder.nativeOrder()).putInt(m.backingId).array());
                m.backingId = 0;
            }
        } else {
            m.cached--;
        }
        if (m.cached <= 0 && m.passthroughOpens <= 0) {
            modes.remove(node);
            notifyAll(); // an open waiting for this release
        }
    }

    /** fuse_open_out for a passthrough open, as FUSE_OPEN's reply payload. */
    static void openOut(Pointer out, long fh, int backingId) {
        out.putLong(0, fh);
        out.putInt(8, FOPEN_PASSTHROUGH | FOPEN_NOFLUSH);
        out.putInt(12, backingId);
    }

    /** struct fuse_backing_map: { int32 fd; uint32 flags; uint64 padding; }. */
    private static byte[] backingMap(int fd) {
        return ByteBuffer.allocate(16).order(ByteOrder.nativeOrder()).putInt(0, fd).array();
    }

    /** The host file's identity, or null if it cannot be had (then no passthrough). */
    private static Stat hostStat(int fd) {
        try {
            return Host.fstat(fd);
        } catch (FsException e) {
            return null;
        }
    }
}
