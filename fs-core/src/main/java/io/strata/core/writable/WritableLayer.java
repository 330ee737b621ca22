package io.strata.core.writable;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostRange;

import java.util.List;

/**
 * A writable layer addressed by inode number: what a union's upper layer must answer, whatever holds it (an
 * overlay-format directory, the RocksDB block store). Names are single path components. Every failure is an
 * {@link FsException} with the errno the kernel gives for the same call on a local filesystem.
 *
 * <p>Union markers are part of the layer: a <em>whiteout</em> entry hides a name of the layers below, an
 * <em>opaque</em> directory hides everything below it, and a file may be a metadata-only copy-up whose
 * {@linkplain #copyUpMetadata origin} (a path in a lower layer) serves every byte never written in this layer.
 */
public interface WritableLayer extends AutoCloseable {
    int RENAME_NOREPLACE = 1, RENAME_EXCHANGE = 2;
    int XATTR_CREATE = 1, XATTR_REPLACE = 2;
    int FALLOC_FL_KEEP_SIZE = 1, FALLOC_FL_PUNCH_HOLE = 2;
    /** utimens: leave this time as it is / set it to the current time (the kernel's values). */
    long UTIME_OMIT = (1L << 30) - 2, UTIME_NOW = (1L << 30) - 1;

    /** One name in a directory. {@code type} is the S_IFMT part of the mode; a whiteout has ino 0 and type 0. */
    record Entry(String name, long ino, int type, boolean whiteout) {
    }

    long rootIno();

    /** The entry called name in dir (a whiteout entry too); ENOENT when there is none. */
    Entry lookup(long dir, String name) throws FsException;

    Stat getattr(long ino) throws FsException;

    /** Every entry of dir, whiteouts included, sorted by name. */
    List<Entry> readdir(long dir) throws FsException;

    /** A regular file, fifo, socket or device node (mknod); EEXIST when the name exists (a whiteout is replaced). */
    Entry create(long dir, String name, int mode, int uid, int gid, long rdev) throws FsException;

    Entry mkdir(long dir, String name, int mode, int uid, int gid) throws FsException;

    Entry symlink(long dir, String name, String target, int uid, int gid) throws FsException;

    /** A regular file whose data is origin's (a path in a lower layer) until written; attributes from attrs. */
    Entry copyUpMetadata(long dir, String name, Stat attrs, String origin) throws FsException;

    /** Marks name deleted for the layers below (replacing whatever this layer had there, which must not be a dir). */
    void whiteout(long dir, String name) throws FsException;

    void setOpaque(long dir, boolean opaque) throws FsException;

    boolean isOpaque(long dir) throws FsException;

    void link(long ino, long newDir, String newName) throws FsException;

    void unlink(long dir, String name) throws FsException;

    void rmdir(long dir, String name) throws FsException;

    void rename(long dir, String name, long newDir, String newName, int flags) throws FsException;

    String readlink(long ino) throws FsException;

    /** Bytes read (short only at end of file). */
    int read(long ino, long offset, byte[] buf, int off, int len) throws FsException;

    /** Where a read of [offset, offset+size) finds all its bytes in one host file, held until closed; else null. */
    default HostRange hostRange(long ino, long offset, long size) throws FsException {
        return null;
    }

    void write(long ino, long offset, byte[] buf, int off, int len) throws FsException;

    /** Writes at the current end of file (O_APPEND, atomic against other appends); returns the offset written at. */
    long append(long ino, byte[] buf, int off, int len) throws FsException;

    void truncate(long ino, long size) throws FsException;

    void fallocate(long ino, int mode, long offset, long length) throws FsException;

    void chmod(long ino, int mode) throws FsException;

    void chown(long ino, int uid, int gid) throws FsException;

    void utimens(long ino, long aSec, long aNsec, long mSec, long mNsec) throws FsException;

    void setxattr(long ino, String name, byte[] value, int flags) throws FsException;

    /** ENODATA when absent. */
    byte[] getxattr(long ino, String name) throws FsException;

    List<String> listxattr(long ino) throws FsException;

    void removexattr(long ino, String name) throws FsException;

    /** Makes every change made so far durable (the layer's writes are ordered, so this covers the file's too). */
    void fsync(long ino, boolean dataOnly) throws FsException;

    @Override
    void close();
}
