package io.strata.core.host;

import jnr.ffi.Pointer;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.types.off_t;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The libc calls Strata needs that the JDK does not offer (or offers only with lossy errors): bound with jnr-ffi.
 * Every call saves errno; {@link Host} turns a failure into an {@code FsException} with that errno.
 */
public interface LibC {
    int statx(int dirfd, String path, int flags, int mask, @Out byte[] buf);

    int open(String path, int flags, int mode);

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

    int mkdir(String path, int mode);

    int rmdir(String path);

    int unlink(String path);

    int rename(String from, String to);

    int renameat2(int fromDirFd, String from, int toDirFd, String to, int flags);

    int symlink(String target, String linkPath);

    @ssize_t long readlink(String path, @Out byte[] buf, @size_t long size);

    int link(String existing, String newPath);

    int mknod(String path, int mode, long dev);

    int chmod(String path, int mode);

    int lchown(String path, int uid, int gid);

    int utimensat(int dirfd, String path, @In long[] times, int flags);

    int truncate(String path, @off_t long length);

    @ssize_t long lgetxattr(String path, String name, @Out byte[] value, @size_t long size);

    int lsetxattr(String path, String name, @In byte[] value, @size_t long size, int flags);

    @ssize_t long llistxattr(String path, @Out byte[] list, @size_t long size);

    int lremovexattr(String path, String name);

    int statvfs(String path, @Out byte[] buf);

    int faccessat(int dirfd, String path, int mode, int flags);

    int umask(int mask);

    @ssize_t long getdents64(int fd, Pointer dirp, @size_t long count);

    /** handle: struct file_handle (u32 handle_bytes in, i32 handle_type out, then the handle). */
    int name_to_handle_at(int dirfd, String path, byte[] handle, @Out int[] mountId, int flags);

    int open_by_handle_at(int mountFd, @In byte[] handle, int flags);

    int ioctl(int fd, long request, byte[] arg);
}
