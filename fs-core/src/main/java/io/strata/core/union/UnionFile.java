package io.strata.core.union;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostRange;
import io.strata.core.layerfs.LayerFile;
import jnr.ffi.Pointer;

/**
 * An open file of the union: the layer file that holds its data (the upper file once copied up, else the lower one,
 * opened read-only), and the union inode number its fstat reports.
 */
public final class UnionFile implements AutoCloseable {
    private final LayerFile file;
    private final long ino;
    private final boolean writable;
    private final boolean created;

    UnionFile(LayerFile file, long ino, boolean writable) {
        this(file, ino, writable, false);
    }

    UnionFile(LayerFile file, long ino, boolean writable, boolean created) {
        this.file = file;
        this.ino = ino;
        this.writable = writable;
        this.created = created;
    }

    /** True when the open that made this file created it: then {@link #stat} is its union attributes in full. */
    public boolean created() {
        return created;
    }

    public int read(Pointer buf, long size, long offset) throws FsException {
        return file.read(buf, size, offset);
    }

    public int write(Pointer buf, long size, long offset) throws FsException {
        return file.write(buf, size, offset);
    }

    public int read(byte[] buf, int size, long offset) throws FsException {
        return file.read(buf, size, offset);
    }

    public int write(byte[] buf, int size, long offset) throws FsException {
        return file.write(buf, size, offset);
    }

    /** The host descriptor that holds this file's data (the upper or lower layer file), or -1 (e.g. the block store). */
    public int hostFd() {
        return file.hostFd();
    }

    /** See {@link LayerFile#hostRange}: null, or where the bytes of a read lie in one host file, held until closed. */
    public HostRange hostRange(long offset, long size) throws FsException {
        return file.hostRange(offset, size);
    }

    public Stat stat() throws FsException {
        return file.stat().withIno(ino);
    }

    public void truncate(long size) throws FsException {
        file.truncate(size);
    }

    public void fsync(boolean dataOnly) throws FsException {
        if (writable) file.fsync(dataOnly);
    }

    public void fallocate(int mode, long offset, long length) throws FsException {
        file.fallocate(mode, offset, length);
    }

    public long ino() {
        return ino;
    }

    @Override
    public void close() {
        file.close();
    }
}
