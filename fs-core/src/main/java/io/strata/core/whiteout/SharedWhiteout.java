package io.strata.core.whiteout;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.LayerFs;

/**
 * Whiteouts as hard links of one 0/0 character device kept in the work directory, as kernel overlayfs makes them
 * (fs/overlayfs/dir.c, ovl_whiteout and its cached {@code ofs->whiteout}): a link costs the upper's filesystem less
 * than a new inode, and a directory entry whose d_ino is the shared inode's is a whiteout without an lstat. Readers,
 * the kernel among them, still see char 0/0 devices. When links fail: too many (EMLINK) start a new shared inode,
 * a shared inode removed behind the union's back (ENOENT) is made again, and a filesystem that refuses links of
 * devices (or is no host filesystem) gets a mknod per whiteout for the rest of the mount.
 */
public final class SharedWhiteout {
    /** Its name in the work directory (emptied at each mount, so each mount starts its own). */
    public static final String NAME = "#strata-whiteout";

    private final LayerFs fs;
    private final String path;
    private boolean linking;
    private volatile long ino = -1; // of the current shared inode; -1 while there is none

    public SharedWhiteout(LayerFs fs, String workDir) {
        this.fs = fs;
        this.path = workDir + "/" + NAME;
        this.linking = fs.isHost();
    }

    /** Makes a whiteout at a free host path of the upper's filesystem. */
    public synchronized void makeAt(String hostPath) throws FsException {
        if (!linking) {
            fs.mknod(hostPath, Stat.S_IFCHR, 0);
            return;
        }
        for (int attempt = 0; ; attempt++) {
            try {
                if (ino < 0) create();
                fs.link(path, hostPath);
                return;
            } catch (FsException e) {
                Errno err = e.errno();
                if (err == Errno.EEXIST || err == Errno.ENOTDIR || err == Errno.ENAMETOOLONG || err == Errno.ENOSPC
                        || err == Errno.EDQUOT || err == Errno.EROFS || err == Errno.ENOENT && attempt > 0) {
                    throw e; // about the new name or the filesystem, not the shared inode
                }
                if ((err == Errno.EMLINK || err == Errno.ENOENT) && attempt == 0) {
                    ino = -1; // full, or gone: the next attempt starts a new shared inode
                    continue;
                }
                linking = false; // links of devices refused here: one inode per whiteout, as before
                ino = -1;
                fs.mknod(hostPath, Stat.S_IFCHR, 0);
                return;
            }
        }
    }

    /**
     * Does a directory entry of the upper name the shared whiteout (DT_CHR with its d_ino), so that no lstat is needed
     * to know it is one? Whiteouts of earlier shared inodes (other mounts, or before an EMLINK) are not recognised
     * here and take an lstat.
     */
    public boolean names(Host.DirEntry e) {
        long i = ino;
        return i >= 0 && e.type() == Host.DT_CHR && e.ino() == i;
    }

    private void create() throws FsException {
        Stat there = fs.lstatOrNull(path);
        if (there != null) fs.unlink(path); // an older one (full, or left over): its links stay whiteouts
        fs.mknod(path, Stat.S_IFCHR, 0);
        ino = fs.lstat(path).ino();
    }
}
