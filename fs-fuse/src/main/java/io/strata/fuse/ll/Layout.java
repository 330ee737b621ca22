package io.strata.fuse.ll;

import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.fuse.Ids;
import jnr.ffi.Pointer;

/**
 * Byte layouts of the C structures exchanged with libfuse 3.14 on x86_64 Linux (glibc), checked against the headers
 * with offsetof (see LayoutTest for the figures). Written and read as raw memory: no jnr Struct per call.
 */
final class Layout {
    private Layout() {
    }

    // struct stat (x86_64): 144 bytes
    static final int STAT_SIZE = 144;
    static final int ST_DEV = 0, ST_INO = 8, ST_NLINK = 16, ST_MODE = 24, ST_UID = 28, ST_GID = 32, ST_RDEV = 40,
            ST_SIZE = 48, ST_BLKSIZE = 56, ST_BLOCKS = 64, ST_ATIM = 72, ST_MTIM = 88, ST_CTIM = 104;

    // struct fuse_entry_param: 176 bytes
    static final int ENTRY_SIZE = 176;
    static final int E_INO = 0, E_GENERATION = 8, E_ATTR = 16, E_ATTR_TIMEOUT = 160, E_ENTRY_TIMEOUT = 168;

    // struct fuse_file_info: 40 bytes; the bitfield word follows flags
    static final int FI_SIZE = 40;
    static final int FI_FLAGS = 0, FI_BITS = 4, FI_FH = 16, FI_LOCK_OWNER = 24;
    static final int FI_DIRECT_IO = 1 << 1, FI_KEEP_CACHE = 1 << 2, FI_NONSEEKABLE = 1 << 4, FI_CACHE_READDIR = 1 << 6,
            FI_NOFLUSH = 1 << 7;

    // struct fuse_conn_info: 128 bytes
    static final int CONN_PROTO_MAJOR = 0, CONN_PROTO_MINOR = 4, CONN_MAX_WRITE = 8, CONN_MAX_READ = 12,
            CONN_MAX_READAHEAD = 16, CONN_CAPABLE = 20, CONN_WANT = 24, CONN_MAX_BACKGROUND = 28,
            CONN_CONGESTION_THRESHOLD = 32, CONN_TIME_GRAN = 36;

    // struct fuse_ctx
    static final int CTX_UID = 0, CTX_GID = 4, CTX_PID = 8, CTX_UMASK = 12;

    // struct statvfs: 112 bytes
    static final int STATVFS_SIZE = 112;
    static final int F_BSIZE = 0, F_FRSIZE = 8, F_BLOCKS = 16, F_BFREE = 24, F_BAVAIL = 32, F_FILES = 40,
            F_FFREE = 48, F_FAVAIL = 56, F_FSID = 64, F_FLAG = 72, F_NAMEMAX = 80;

    // struct fuse_args: { int argc; char **argv; int allocated; }
    static final int ARGS_SIZE = 24, ARGS_ARGC = 0, ARGS_ARGV = 8, ARGS_ALLOCATED = 16;

    /** struct fuse_in_header (fuse_kernel.h), at the start of every request read from /dev/fuse: len 0, opcode 4,
     * unique 8, nodeid 16; 40 bytes, then the request's own struct. */
    static final int IN_OPCODE = 4;
    // struct fuse_buf: { size_t size; enum fuse_buf_flags flags; void *mem; int fd; off_t pos; }
    static final int FUSE_BUF_SIZE = 40, FUSE_BUF_SIZE_FIELD = 0, FUSE_BUF_FLAGS = 8, FUSE_BUF_MEM = 16,
            FUSE_BUF_FD = 24, FUSE_BUF_POS = 32;
    /** enum fuse_buf_flags: the data is in the fd (a spliced request), not in mem; FD_SEEK: read it at pos. */
    static final int FUSE_BUF_IS_FD = 1 << 1, FUSE_BUF_FD_SEEK = 1 << 2;
    // struct fuse_bufvec: { size_t count; size_t idx; size_t off; struct fuse_buf buf[1]; }
    static final int BUFVEC_SIZE = 24 + FUSE_BUF_SIZE, BUFVEC_COUNT = 0, BUFVEC_IDX = 8, BUFVEC_OFF = 16, BUFVEC_BUF = 24;

    // struct fuse_forget_data: { uint64_t ino; uint64_t nlookup; }
    static final int FORGET_SIZE = 16;

    static final int OPS_SLOTS = 44, OPS_SIZE = OPS_SLOTS * 8;

    // FUSE_CAP_* (fuse_common.h)
    static final int CAP_ASYNC_READ = 1, CAP_ATOMIC_O_TRUNC = 1 << 3, CAP_EXPORT_SUPPORT = 1 << 4,
            CAP_DONT_MASK = 1 << 6, CAP_SPLICE_WRITE = 1 << 7, CAP_SPLICE_MOVE = 1 << 8, CAP_SPLICE_READ = 1 << 9,
            CAP_AUTO_INVAL_DATA = 1 << 12, CAP_READDIRPLUS = 1 << 13, CAP_READDIRPLUS_AUTO = 1 << 14,
            CAP_ASYNC_DIO = 1 << 15, CAP_WRITEBACK_CACHE = 1 << 16, CAP_PARALLEL_DIROPS = 1 << 18,
            CAP_POSIX_ACL = 1 << 19, CAP_HANDLE_KILLPRIV = 1 << 20, CAP_CACHE_SYMLINKS = 1 << 23,
            CAP_NO_OPENDIR_SUPPORT = 1 << 24;

    // FUSE_SET_ATTR_* (fuse_lowlevel.h)
    static final int SET_MODE = 1, SET_UID = 1 << 1, SET_GID = 1 << 2, SET_SIZE = 1 << 3, SET_ATIME = 1 << 4,
            SET_MTIME = 1 << 5, SET_ATIME_NOW = 1 << 7, SET_MTIME_NOW = 1 << 8, SET_CTIME = 1 << 10;

    /** Writes a union Stat as struct stat at p (uids/gids shown as the caller's side sees them). */
    static void putStat(Pointer p, long off, Stat st, Ids ids) {
        p.putLong(off + ST_DEV, 0);
        p.putLong(off + ST_INO, st.ino());
        p.putLong(off + ST_NLINK, st.nlink());
        p.putInt(off + ST_MODE, st.mode());
        p.putInt(off + ST_UID, ids.uidInside(st.uid()));
        p.putInt(off + ST_GID, ids.gidInside(st.gid()));
        p.putInt(off + ST_GID + 4, 0);
        p.putLong(off + ST_RDEV, st.rdev());
        p.putLong(off + ST_SIZE, st.size());
        p.putLong(off + ST_BLKSIZE, st.blksize());
        p.putLong(off + ST_BLOCKS, st.blocks());
        p.putLong(off + ST_ATIM, st.atimeSec());
        p.putLong(off + ST_ATIM + 8, st.atimeNsec());
        p.putLong(off + ST_MTIM, st.mtimeSec());
        p.putLong(off + ST_MTIM + 8, st.mtimeNsec());
        p.putLong(off + ST_CTIM, st.ctimeSec());
        p.putLong(off + ST_CTIM + 8, st.ctimeNsec());
    }

    /** A fuse_entry_param for node id (0 = negative entry) with these attributes and timeouts. */
    static void putEntry(Pointer p, long nodeId, Stat st, Ids ids, double attrTimeout, double entryTimeout) {
        p.putLong(E_INO, nodeId);
        p.putLong(E_GENERATION, 0);
        if (st != null) putStat(p, E_ATTR, st, ids);
        else p.setMemory(E_ATTR, STAT_SIZE, (byte) 0);
        p.putDouble(E_ATTR_TIMEOUT, attrTimeout);
        p.putDouble(E_ENTRY_TIMEOUT, entryTimeout);
    }

    /** fuse_entry_out (fuse_kernel.h): nodeid, generation, entry/attr validity, then fuse_attr (88 bytes). */
    static final int ENTRY_OUT_SIZE = 128;

    /**
     * A fuse_entry_out as libfuse's fill_entry makes it from a fuse_entry_param, for replies libfuse 3.14 cannot
     * build (CREATE with a passthrough backing id).
     */
    static void putEntryOut(Pointer p, long nodeId, Stat st, Ids ids, double attrTimeout, double entryTimeout) {
        p.putLong(0, nodeId);
        p.putLong(8, 0);
        p.putLong(16, (long) entryTimeout);
        p.putLong(24, (long) attrTimeout);
        p.putInt(32, (int) ((entryTimeout - Math.floor(entryTimeout)) * 1e9));
        p.putInt(36, (int) ((attrTimeout - Math.floor(attrTimeout)) * 1e9));
        long a = 40;
        p.putLong(a, st.ino());
        p.putLong(a + 8, st.size());
        p.putLong(a + 16, st.blocks());
        p.putLong(a + 24, st.atimeSec());
        p.putLong(a + 32, st.mtimeSec());
        p.putLong(a + 40, st.ctimeSec());
        p.putInt(a + 48, (int) st.atimeNsec());
        p.putInt(a + 52, (int) st.mtimeNsec());
        p.putInt(a + 56, (int) st.ctimeNsec());
        p.putInt(a + 60, st.mode());
        p.putInt(a + 64, (int) st.nlink());
        p.putInt(a + 68, ids.uidInside(st.uid()));
        p.putInt(a + 72, ids.gidInside(st.gid()));
        p.putInt(a + 76, (int) st.rdev());
        p.putInt(a + 80, st.blksize());
        p.putInt(a + 84, 0);
    }

    static void putStatvfs(Pointer p, Host.StatFs s) {
        p.setMemory(0, STATVFS_SIZE, (byte) 0);
        p.putLong(F_BSIZE, s.bsize());
        p.putLong(F_FRSIZE, s.frsize());
        p.putLong(F_BLOCKS, s.blocks());
        p.putLong(F_BFREE, s.bfree());
        p.putLong(F_BAVAIL, s.bavail());
        p.putLong(F_FILES, s.files());
        p.putLong(F_FFREE, s.ffree());
        p.putLong(F_FAVAIL, s.favail());
        p.putLong(F_NAMEMAX, s.namemax());
    }

    /** The fuse_direntplus record size the kernel reserves for a name (fuse_entry_out + fuse_dirent, 8-aligned). */
    static long direntPlusSize(int nameBytes) {
        return (128 + 24 + nameBytes + 7) & ~7L;
    }

    static long direntSize(int nameBytes) {
        return (24 + nameBytes + 7) & ~7L;
    }
}
