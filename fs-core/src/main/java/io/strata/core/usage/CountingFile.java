package io.strata.core.usage;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostRange;
import io.strata.core.layerfs.LayerFile;
import jnr.ffi.Pointer;

/**
 * A file of the upper open for writing. Writes only mark it unsettled (no system call on the write path); its
 * st_blocks is read once, and the delta counted, when it is synced or closed, or when the counters are read.
 */
final class CountingFile implements LayerFile {
    private final LayerFile file;
    private final CountingLayerFs fs;
    private final CountingLayerFs.OpenInode inode;
    private final UpperUsage usage;
    private volatile boolean unsettled;
    private boolean closed;

    CountingFile(LayerFile file, CountingLayerFs fs, CountingLayerFs.OpenInode inode, UpperUsage usage) {
        this.file = file;
        this.fs = fs;
        this.inode = inode;
        this.usage = usage;
    }

    @Override
    public int read(Pointer buf, long size, long offset) throws FsException {
        return file.read(buf, size, offset);
    }

    @Override
    public int write(Pointer buf, long size, long offset) throws FsException {
        int n = file.write(buf, size, offset);
        changed();
        return n;
    }

    @Override
    public int read(byte[] buf, int size, long offset) throws FsException {
        return file.read(buf, size, offset);
    }

    @Override
    public int write(byte[] buf, int size, long offset) throws FsException {
        int n = file.write(buf, size, offset);
        changed();
        return n;
    }

    @Override
    public HostRange hostRange(long offset, long size) throws FsException {
        return file.hostRange(offset, size);
    }

    @Override
    public Stat stat() throws FsException {
        return file.stat();
    }

    @Override
    public void truncate(long size) throws FsException {
        file.truncate(size);
        changed();
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        file.fsync(dataOnly);
        settle();
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        try {
            file.fallocate(mode, offset, length);
        } finally {
            changed(); // a failed fallocate (ENOSPC) may have allocated part of the range
        }
    }

    /** Data may be written through the descriptor itself (copy_file_range in copy-up): settled at close. */
    @Override
    public int hostFd() {
        changed();
        return file.hostFd();
    }

    @Override
    public void close() {
        synchronized (this) {
            settle();
            closed = true;
            file.close();
        }
        fs.closed(inode);
    }

    private void changed() {
        if (!unsettled) {
            unsettled = true;
            usage.unsettled(this);
        }
    }

    /** Counts the st_blocks delta of the file since it was last settled. */
    synchronized void settle() {
        if (closed || !unsettled) return;
        // out of the set first, then unmarked, then the fstat: a write that ends after the fstat marks it (and adds it) again
        usage.settled(this);
        unsettled = false;
        fs.settle(inode, file::stat);
    }
}
