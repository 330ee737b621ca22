package io.strata.core.layerfs;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.util.List;

/**
 * The filesystem a writable layer lives on, as the union uses it: POSIX calls on paths of that filesystem, with
 * extended attributes (which carry overlayfs' markers: whiteouts are 0/0 character devices, opaque directories and
 * redirects are xattrs). {@link HostFs} is the host's own filesystem (the overlay-format upper directory); a block
 * store can offer the same calls over its own namespace, and the union's semantics stay one implementation.
 * Failures are {@link FsException}s with the errno a local filesystem gives for the same call.
 */
public interface LayerFs {
    /** Stat of a path, not following a final symlink; ENOENT/ENOTDIR when absent. */
    Stat lstat(String path) throws FsException;

    /** Like {@link #lstat}, or null when the path does not exist. */
    Stat lstatOrNull(String path) throws FsException;

    void mkdir(String path, int mode) throws FsException;

    void rmdir(String path) throws FsException;

    void unlink(String path) throws FsException;

    /** rename(2): renameat2 without flags, unless a layer has a cheaper call for it. */
    default void rename(String from, String to) throws FsException {
        renameat2(from, to, 0);
    }

    /** rename with RENAME_NOREPLACE / RENAME_EXCHANGE. */
    void renameat2(String from, String to, int flags) throws FsException;

    void symlink(String target, String path) throws FsException;

    String readlink(String path) throws FsException;

    void link(String existing, String path) throws FsException;

    void mknod(String path, int mode, long rdev) throws FsException;

    void chmod(String path, int mode) throws FsException;

    void lchown(String path, int uid, int gid) throws FsException;

    void utimens(String path, long aSec, long aNsec, long mSec, long mNsec) throws FsException;

    void truncate(String path, long size) throws FsException;

    /** access(2) with the effective ids (the union checks permissions for its callers through the kernel). */
    void access(String path, int mode) throws FsException;

    Host.StatFs statfs(String path) throws FsException;

    /** Entry names, without "." and "..". */
    List<String> list(String dir) throws FsException;

    /** Entries with their type (Host.DT_*), without "." and "..". */
    List<Host.DirEntry> listTyped(String dir) throws FsException;

    /** The value, or null when the attribute is absent. */
    byte[] getxattr(String path, String name) throws FsException;

    void setxattr(String path, String name, byte[] value, int flags) throws FsException;

    void removexattr(String path, String name) throws FsException;

    List<String> listxattr(String path) throws FsException;

    /** open(2) of an existing path, or O_CREAT; a final symlink is never followed. */
    LayerFile open(String path, int flags, int mode) throws FsException;

    /**
     * Copy-up by reference: makes path a regular file with attrs whose data, until written, is the host file at
     * originHostPath (a block store's copy-on-write: writing 1 byte stores one block). Returns false when this
     * filesystem cannot, and the union copies the data (or only the metadata, with metacopy) instead.
     */
    default boolean createBackedFile(String path, Stat attrs, String originHostPath) throws FsException {
        return false;
    }

    /** True when paths are host paths (so host-only means apply: file handles, the kernel's index directory). */
    boolean isHost();
}
