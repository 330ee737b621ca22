package io.strata.core.layerfs;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.util.List;

/** The host's filesystem: every call is the libc call on the host path. */
public final class HostFs implements LayerFs {
    public static final HostFs INSTANCE = new HostFs();

    private HostFs() {
    }

    @Override
    public Stat lstat(String path) throws FsException {
        return Host.lstat(path);
    }

    @Override
    public Stat lstatOrNull(String path) throws FsException {
        return Host.lstatOrNull(path);
    }

    @Override
    public void mkdir(String path, int mode) throws FsException {
        Host.mkdir(path, mode);
    }

    @Override
    public void rmdir(String path) throws FsException {
        Host.rmdir(path);
    }

    @Override
    public void unlink(String path) throws FsException {
        Host.unlink(path);
    }

    @Override
    public void rename(String from, String to) throws FsException {
        Host.rename(from, to);
    }

    @Override
    public void renameat2(String from, String to, int flags) throws FsException {
        Host.renameat2(from, to, flags);
    }

    @Override
    public void symlink(String target, String path) throws FsException {
        Host.symlink(target, path);
    }

    @Override
    public String readlink(String path) throws FsException {
        return Host.readlink(path);
    }

    @Override
    public void link(String existing, String path) throws FsException {
        Host.link(existing, path);
    }

    @Override
    public void mknod(String path, int mode, long rdev) throws FsException {
        Host.mknod(path, mode, rdev);
    }

    @Override
    public void chmod(String path, int mode) throws FsException {
        Host.chmod(path, mode);
    }

    @Override
    public void lchown(String path, int uid, int gid) throws FsException {
        Host.lchown(path, uid, gid);
    }

    @Override
    public void utimens(String path, long aSec, long aNsec, long mSec, long mNsec) throws FsException {
        Host.utimens(path, aSec, aNsec, mSec, mNsec);
    }

    @Override
    public void truncate(String path, long size) throws FsException {
        Host.truncate(path, size);
    }

    @Override
    public void access(String path, int mode) throws FsException {
        Host.access(path, mode);
    }

    @Override
    public Host.StatFs statfs(String path) throws FsException {
        return Host.statfs(path);
    }

    @Override
    public List<String> list(String dir) throws FsException {
        return Host.list(dir);
    }

    @Override
    public List<Host.DirEntry> listTyped(String dir) throws FsException {
        return Host.listTyped(dir);
    }

    @Override
    public byte[] getxattr(String path, String name) throws FsException {
        return Host.getxattr(path, name);
    }

    @Override
    public void setxattr(String path, String name, byte[] value, int flags) throws FsException {
        Host.setxattr(path, name, value, flags);
    }

    @Override
    public void removexattr(String path, String name) throws FsException {
        Host.removexattr(path, name);
    }

    @Override
    public List<String> listxattr(String path) throws FsException {
        return Host.listxattr(path);
    }

    @Override
    public LayerFile open(String path, int flags, int mode) throws FsException {
        return new HostFile(Host.open(path, flags | Host.O_NOFOLLOW, mode));
    }

    @Override
    public boolean isHost() {
        return true;
    }
}
