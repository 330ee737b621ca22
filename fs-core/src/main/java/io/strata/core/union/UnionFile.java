package io.strata.core.union;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import jnr.ffi.Pointer;

/**
 * An open file of the union: a descriptor on the layer object that holds its data (the upper file once copied up,
 * else the lower one, opened read-only), and the union inode number its fstat reports.
 */
public final class UnionFile implements AutoCloseable {
    private final int fd;
    private final long ino;
    private final boolean writable;

    UnionFile(int fd, long ino, boolean writable) {
        this.fd = fd;
        this.ino = ino;
        this.writable = writable;
    }

    public int read(Pointer buf, long size, long offset) throws FsException {
        return Host.pread(fd, buf, size, offset);
    }

    public int write(Pointer buf, long size, long offset) throws FsException {
        return Host.pwrite(fd, buf, size, offset);
    }

    public int read(byte[] buf, int size, long offset) throws FsException {
        return Host.pread(fd, buf, size, offset);
    }

    public int write(byte[] buf, int size, long offset) throws FsException {
        return Host.pwrite(fd, buf, size, offset);
    }

    public Stat stat() throws FsException {
        return Host.fstat(fd).withIno(ino);
    }

    public void truncate(long size) throws FsException {
        Host.ftruncate(fd, size);
    }

    public void fsync(boolean dataOnly) throws FsException {
        if (writable) Host.fsync(fd, dataOnly);
    }

    public void fallocate(int mode, long offset, long length) throws FsException {
        Host.fallocate(fd, mode, offset, length);
    }

    public long ino() {
        return ino;
    }

    @Override
    public void close() {
        Host.close(fd);
    }
}
