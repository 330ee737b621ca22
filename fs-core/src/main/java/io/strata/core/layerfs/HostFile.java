package io.strata.core.layerfs;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import jnr.ffi.Pointer;

/** A file open on the host: a descriptor. */
public final class HostFile implements LayerFile {
    private final int fd;

    public HostFile(int fd) {
        this.fd = fd;
    }

    @Override
    public int read(Pointer buf, long size, long offset) throws FsException {
        return Host.pread(fd, buf, size, offset);
    }

    @Override
    public int write(Pointer buf, long size, long offset) throws FsException {
        return Host.pwrite(fd, buf, size, offset);
    }

    @Override
    public int read(byte[] buf, int size, long offset) throws FsException {
        return Host.pread(fd, buf, size, offset);
    }

    @Override
    public int write(byte[] buf, int size, long offset) throws FsException {
        return Host.pwrite(fd, buf, size, offset);
    }

    @Override
    public Stat stat() throws FsException {
        return Host.fstat(fd);
    }

    @Override
    public void truncate(long size) throws FsException {
        Host.ftruncate(fd, size);
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        Host.fsync(fd, dataOnly);
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        Host.fallocate(fd, mode, offset, length);
    }

    @Override
    public int hostFd() {
        return fd;
    }

    @Override
    public void close() {
        Host.close(fd);
    }
}
