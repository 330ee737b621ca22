package io.strata.core.host;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls Strata needs that the JDK does not offer (or offers only with lossy errors): bound with jnr-ffi.
 * Every call saves errno; {@link Host} turns a failure into an {@code FsException} with that errno. Paths and names
 * are NUL-terminated UTF-8 bytes ({@link Host#z}): jnr's String conversion (a charset encoder per call) was a tenth of
 * the server's Java time on a create-heavy workload (async-profiler, benchmarks/RESULTS-union-perf.md).
 */
public interface LibC {
    int statx(int dirfd, @In byte[] path, int flags, int mask, @Out byte[] buf);

    int open(@In byte[] path, int flags, int mode);

    int close(int fd);

    @ssize_t long pread(int fd, Pointer buf, @size_t long count, @off_t long offset);

    @ssize_t long pwrite(int fd, Pointer buf, @size_t long count, @off_t long offset);

    @ssize_t long pread(int fd, @Out byte[] buf, @size_t long count, @off_t long offset);

    @ssize_t long pwrite(int fd, @In byte[] buf, @size_t long count, @off_t long offset);

    @ssize_t long copy_file_range(int fdIn, Pointer offIn, int fdOut, Pointer offOut, @size_t long len, int flags);

    @off_t long lseek(int fd, @off_t long offset, int whence);

    int fsync(int fd);

    int fdatasync(int fd);

    int ftruncate(int fd, @off_t long length);

    int fallocate(int fd, int mode, @off_t long offset, @off_t long len);

    int sync_file_range(int fd, @off_t long offset, @off_t long nbytes, int flags);

    int mkdir(@In byte[] path, int mode);

    int rmdir(@In byte[] path);

    int unlink(@In byte[] path);

    int rename(@In byte[] from, @In byte[] to);

    int renameat2(int fromDirFd, @In byte[] from, int toDirFd, @In byte[] to, int flags);

    int symlink(@In byte[] target, @In byte[] linkPath);

    @ssize_t long readlink(@In byte[] path, @Out byte[] buf, @size_t long size);

    int link(@In byte[] existing, @In byte[] newPath);

    int mknod(@In byte[] path, int mode, long dev);

    int chmod(@In byte[] path, int mode);

    int lchown(@In byte[] path, int uid, int gid);

    int utimensat(int dirfd, @In byte[] path, @In long[] times, int flags);

    int truncate(@In byte[] path, @off_t long length);

    @ssize_t long lgetxattr(@In byte[] path, @In byte[] name, @Out byte[] value, @size_t long size);

    int lsetxattr(@In byte[] path, @In byte[] name, @In byte[] value, @size_t long size, int flags);

    @ssize_t long llistxattr(@In byte[] path, @Out byte[] list, @size_t long size);

    int lremovexattr(@In byte[] path, @In byte[] name);

    int statvfs(@In byte[] path, @Out byte[] buf);

    int faccessat(int dirfd, @In byte[] path, int mode, int flags);

    int umask(int mask);

    @ssize_t long getdents64(int fd, Pointer dirp, @size_t long count);

    /** handle: struct file_handle (u32 handle_bytes in, i32 handle_type out, then the handle). */
    int name_to_handle_at(int dirfd, @In byte[] path, byte[] handle, @Out int[] mountId, int flags);

    int open_by_handle_at(int mountFd, @In byte[] handle, int flags);

    int ioctl(int fd, long request, byte[] arg);

    int dup(int fd);

    int dup2(int from, int to);

    int pipe(@Out int[] fds);

    @ssize_t long read(int fd, @Out byte[] buf, @size_t long count);

    @ssize_t long write(int fd, @In byte[] buf, @size_t long count);
}
