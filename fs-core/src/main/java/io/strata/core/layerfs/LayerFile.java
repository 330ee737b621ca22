package io.strata.core.layerfs;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import jnr.ffi.Pointer;

/** An open file of a layer: positional reads and writes, and the calls on an open file the union passes on. */
public interface LayerFile extends AutoCloseable {
    int read(Pointer buf, long size, long offset) throws FsException;

    int write(Pointer buf, long size, long offset) throws FsException;

    int read(byte[] buf, int size, long offset) throws FsException;

    int write(byte[] buf, int size, long offset) throws FsException;

    Stat stat() throws FsException;

    void truncate(long size) throws FsException;

    void fsync(boolean dataOnly) throws FsException;

    void fallocate(int mode, long offset, long length) throws FsException;

    /** The host descriptor behind this file, or -1 (then data is copied by reads and writes). */
    int hostFd();

    /**
     * Where a read of [offset, offset+size) would find its bytes when they all lie in one host file that is not
     * {@link #hostFd} (e.g. a block store's origin or page file), held until closed; null when they do not (holes,
     * bytes from several places, nothing at offset): then they are copied by {@link #read}.
     */
    default HostRange hostRange(long offset, long size) throws FsException {
        return null;
    }

    @Override
    void close();
}
