package io.strata.store.block.union;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostRange;
import io.strata.core.layerfs.LayerFile;
import io.strata.core.writable.WritableLayer;
import jnr.ffi.Pointer;

/** An open file of a block layer: reads and writes by inode; O_APPEND writes go to the end, atomically. */
final class BlockFile implements LayerFile {
    private final WritableLayer layer;
    private final long ino;
    private final boolean append;

    BlockFile(WritableLayer layer, long ino, boolean append) {
        this.layer = layer;
        this.ino = ino;
        this.append = append;
    }

    /**
     * Each FUSE thread's bytes between native memory and the layer, reused: the layer copies what it keeps, so a
     * 128 KiB write no longer allocates (and zeroes) 128 KiB of heap. Grown to the largest request seen.
     */
    private static final ThreadLocal<byte[]> TRANSFER = ThreadLocal.withInitial(() -> new byte[128 * 1024]);

    private static byte[] transfer(int size) {
        byte[] b = TRANSFER.get();
        if (b.length < size) TRANSFER.set(b = new byte[size]);
        return b;
    }

    @Override
    public int read(Pointer buf, long size, long offset) throws FsException {
        byte[] b = transfer((int) size);
        int n = read(b, (int) size, offset);
        if (n > 0) buf.put(0, b, 0, n);
        return n;
    }

    @Override
    public int write(Pointer buf, long size, long offset) throws FsException {
        byte[] b = transfer((int) size);
        buf.get(0, b, 0, (int) size);
        return write(b, (int) size, offset);
    }

    @Override
    public int read(byte[] buf, int size, long offset) throws FsException {
        return layer.read(ino, offset, buf, 0, size);
    }

    @Override
    public HostRange hostRange(long offset, long size) throws FsException {
        return layer.hostRange(ino, offset, size);
    }

    @Override
    public int write(byte[] buf, int size, long offset) throws FsException {
        if (append) layer.append(ino, buf, 0, size);
        else layer.write(ino, offset, buf, 0, size);
        return size;
    }

    @Override
    public Stat stat() throws FsException {
        return layer.getattr(ino);
    }

    @Override
    public void truncate(long size) throws FsException {
        layer.truncate(ino, size);
    }

    @Override
    public void fsync(boolean dataOnly) throws FsException {
        layer.fsync(ino, dataOnly);
    }

    @Override
    public void fallocate(int mode, long offset, long length) throws FsException {
        layer.fallocate(ino, mode, offset, length);
    }

    @Override
    public int hostFd() {
        return -1;
    }

    @Override
    public void close() {
    }
}
