package io.strata.store.block.blocks;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.layerfs.HostRange;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

import java.util.concurrent.ConcurrentHashMap;

/**
 * Origins that are absolute host paths, read through a cache of open read-only descriptors (the first MAX_OPEN
 * origins stay open until close; reads of others open and close their own). A descriptor is closed only when no read
 * or {@link #range} uses it, so a number is never reused under a reply that reads it.
 */
public final class HostOrigins implements Origins, AutoCloseable {
    private static final int MAX_OPEN = 128;
    private static final int CHUNK = 256 * 1024;
    private static final ThreadLocal<Pointer> BUF =
            ThreadLocal.withInitial(() -> Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), CHUNK));
    private final ConcurrentHashMap<String, Open> open = new ConcurrentHashMap<>();

    /** An origin's descriptor and its size (a lower file does not change), with its users. */
    private static final class Open {
        final int fd;
        final long size;
        int users;
        boolean closed;

        Open(int fd, long size) {
            this.fd = fd;
            this.size = size;
        }

        synchronized boolean use() {
            if (closed) return false;
            users++;
            return true;
        }

        synchronized void release() {
            if (--users == 0 && closed) Host.close(fd);
        }

        synchronized void close() {
            closed = true;
            if (users == 0) Host.close(fd);
        }
    }

    @Override
    public int pread(String origin, long offset, byte[] buf, int off, int len) throws FsException {
        Open o = acquire(origin);
        if (o == null) { // the cache is full: this read opens and closes its own
            int fd = openFd(origin);
            try {
                return pread(fd, origin, offset, buf, off, len);
            } finally {
                Host.close(fd);
            }
        }
        try {
            return pread(o.fd, origin, offset, buf, off, len);
        } finally {
            o.release();
        }
    }

    /** The origin's bytes as a range of its cached descriptor; null past its end or when it is not cached. */
    @Override
    public HostRange range(String origin, long offset, int len) throws FsException {
        Open o = acquire(origin);
        if (o == null) return null;
        if (offset + len > o.size) {
            o.release();
            return null;
        }
        return HostRange.of(o.fd, offset, len, o::release);
    }

    private static int pread(int fd, String origin, long offset, byte[] buf, int off, int len) throws FsException {
        Pointer p = BUF.get();
        int total = 0;
        try {
            while (total < len) {
                int n = Host.pread(fd, p, Math.min(CHUNK, len - total), offset + total);
                if (n <= 0) break;
                p.get(0, buf, off + total, n);
                total += n;
            }
            return total;
        } catch (FsException e) {
            throw new FsException(Errno.EIO, "read origin " + origin + ": " + e.getMessage());
        }
    }

    private static int openFd(String origin) throws FsException {
        try {
            return Host.open(origin, Host.O_RDONLY, 0);
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT) throw new FsException(Errno.EIO, "origin of a copied-up file is gone: " + origin);
            throw new FsException(Errno.EIO, "open origin " + origin + ": " + e.getMessage());
        }
    }

    /** The origin's cached descriptor, in use until released; null when the cache is full (or closed). */
    private Open acquire(String origin) throws FsException {
        Open o = open.get(origin);
        if (o == null) {
            if (open.size() >= MAX_OPEN) return null;
            int fd = openFd(origin);
            long size;
            try {
                size = Host.fstat(fd).size();
            } catch (FsException e) {
                Host.close(fd);
                throw e;
            }
            Open mine = new Open(fd, size);
            o = open.putIfAbsent(origin, mine);
            if (o == null) o = mine;
            else mine.close();
        }
        return o.use() ? o : null;
    }

    @Override
    public void close() {
        for (String k : open.keySet()) {
            Open o = open.remove(k);
            if (o != null) o.close();
        }
    }
}
