package io.strata.fuse.differential;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The operation vocabulary: each op is one or a few system calls on a path under a mount root, made with the same
 * {@link Host} bindings the union uses. An op's result is "ok" (optionally with what it read) or the errno name the
 * kernel returned; both mounts must give the same result. Files are always opened with O_NONBLOCK so that a FIFO never
 * blocks the test.
 */
final class Ops {
    static final int WR = Host.O_WRONLY;
    static final int CREAT = Host.O_WRONLY | Host.O_CREAT;
    static final int TRUNC = Host.O_WRONLY | Host.O_CREAT | Host.O_TRUNC;
    static final int EXCL = Host.O_WRONLY | Host.O_CREAT | Host.O_EXCL;
    static final int APPEND = Host.O_WRONLY | Host.O_APPEND;
    static final int RDWR = Host.O_RDWR;

    /** The body of an op: returns null for plain success, or "ok ..." with what it observed. */
    interface Body {
        String run(String root) throws FsException;
    }

    record Op(String text, Body body) {
        String apply(String root) {
            try {
                String r = body.run(root);
                return r == null ? "ok" : r;
            } catch (FsException e) {
                return e.errno().name();
            } catch (RuntimeException e) {
                return "EXCEPTION " + e;
            }
        }

        @Override
        public String toString() {
            return text;
        }
    }

    private Ops() {
    }

    static String p(String root, String rel) {
        return rel.isEmpty() ? root : root + "/" + rel;
    }

    static String q(String s) {
        if (s.length() > 40) return '"' + s.substring(0, 12) + "..(" + s.length() + " chars).." + s.substring(s.length() - 8) + '"';
        return '"' + s + '"';
    }

    static String flags(int f) {
        List<String> n = new ArrayList<>();
        n.add(switch (f & Host.O_ACCMODE) {
            case Host.O_RDONLY -> "O_RDONLY";
            case Host.O_WRONLY -> "O_WRONLY";
            default -> "O_RDWR";
        });
        if ((f & Host.O_CREAT) != 0) n.add("O_CREAT");
        if ((f & Host.O_EXCL) != 0) n.add("O_EXCL");
        if ((f & Host.O_TRUNC) != 0) n.add("O_TRUNC");
        if ((f & Host.O_APPEND) != 0) n.add("O_APPEND");
        return String.join("|", n);
    }

    // ---- files

    /** open(flags, 0644) + pwrite(data, off) + close. With O_APPEND the kernel ignores off and appends. */
    static Op pwrite(String rel, int flags, long off, String data) {
        return new Op("write(" + q(rel) + ", " + flags(flags) + (off != 0 ? ", off=" + off : "") + ", " + q(data) + ")", root -> {
            int fd = Host.open(p(root, rel), flags | Host.O_NONBLOCK, 0644);
            try {
                byte[] b = data.getBytes(StandardCharsets.UTF_8);
                int n = b.length == 0 ? 0 : Host.pwrite(fd, b, b.length, off);
                return n == b.length ? null : "ok short write " + n;
            } finally {
                Host.close(fd);
            }
        });
    }

    static Op write(String rel, int flags, String data) {
        return pwrite(rel, flags, 0, data);
    }

    static Op append(String rel, String data) {
        return pwrite(rel, APPEND, 0, data);
    }

    /** open(O_RDONLY) + read everything: size and sha256 of what was read. */
    static Op read(String rel) {
        return new Op("read(" + q(rel) + ")", root -> {
            int fd = Host.open(p(root, rel), Host.O_RDONLY | Host.O_NONBLOCK, 0);
            try {
                return "ok " + readAll(fd);
            } finally {
                Host.close(fd);
            }
        });
    }

    private static String readAll(int fd) throws FsException {
        try {
            java.security.MessageDigest md = java.security.MessageDigest.getInstance("SHA-256");
            byte[] buf = new byte[64 * 1024];
            long off = 0;
            StringBuilder head = new StringBuilder();
            while (true) {
                int n = Host.pread(fd, buf, buf.length, off);
                if (n <= 0) break;
                if (off == 0) head.append(new String(buf, 0, Math.min(n, 24), StandardCharsets.ISO_8859_1)
                        .replaceAll("[^\\x20-\\x7e]", "."));
                md.update(buf, 0, n);
                off += n;
            }
            return off + " bytes \"" + head + "\" sha=" + java.util.HexFormat.of().formatHex(md.digest()).substring(0, 12);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    static Op truncate(String rel, long len) {
        return new Op("truncate(" + q(rel) + ", " + len + ")", root -> {
            Host.truncate(p(root, rel), len);
            return null;
        });
    }

    /** open(O_WRONLY) + ftruncate + close. */
    static Op ftruncate(String rel, long len) {
        return new Op("ftruncate(" + q(rel) + ", " + len + ")", root -> {
            int fd = Host.open(p(root, rel), Host.O_WRONLY | Host.O_NONBLOCK, 0);
            try {
                Host.ftruncate(fd, len);
                return null;
            } finally {
                Host.close(fd);
            }
        });
    }

    /** lstat: type, permission bits, owner, and size for non-directories. */
    static Op stat(String rel) {
        return new Op("lstat(" + q(rel) + ")", root -> {
            Stat st = Host.lstat(p(root, rel));
            return "ok " + TreeSnapshot.typeName(st.mode()) + " " + String.format("%04o", st.perms()) + " " + st.uid() + ":"
                    + st.gid() + (st.isDir() ? "" : " size=" + st.size() + " nlink=" + st.nlink());
        });
    }

    // ---- namespace

    static Op mkdir(String rel) {
        return mkdir(rel, 0755);
    }

    static Op mkdir(String rel, int mode) {
        return new Op("mkdir(" + q(rel) + ", " + Integer.toOctalString(mode) + ")", root -> {
            Host.mkdir(p(root, rel), mode);
            return null;
        });
    }

    static Op rmdir(String rel) {
        return new Op("rmdir(" + q(rel) + ")", root -> {
            Host.rmdir(p(root, rel));
            return null;
        });
    }

    static Op unlink(String rel) {
        return new Op("unlink(" + q(rel) + ")", root -> {
            Host.unlink(p(root, rel));
            return null;
        });
    }

    static Op rename(String from, String to) {
        return new Op("rename(" + q(from) + ", " + q(to) + ")", root -> {
            Host.rename(p(root, from), p(root, to));
            return null;
        });
    }

    static Op renameat2(String from, String to, int flags) {
        String f = flags == Host.RENAME_NOREPLACE ? "RENAME_NOREPLACE" : flags == Host.RENAME_EXCHANGE ? "RENAME_EXCHANGE" : "" + flags;
        return new Op("renameat2(" + q(from) + ", " + q(to) + ", " + f + ")", root -> {
            Host.renameat2(p(root, from), p(root, to), flags);
            return null;
        });
    }

    static Op link(String existing, String rel) {
        return new Op("link(" + q(existing) + ", " + q(rel) + ")", root -> {
            Host.link(p(root, existing), p(root, rel));
            return null;
        });
    }

    static Op symlink(String target, String rel) {
        return new Op("symlink(" + q(target) + ", " + q(rel) + ")", root -> {
            Host.symlink(target, p(root, rel));
            return null;
        });
    }

    static Op readlink(String rel) {
        return new Op("readlink(" + q(rel) + ")", root -> "ok " + q(Host.readlink(p(root, rel))));
    }

    static Op mkfifo(String rel) {
        return new Op("mknod(" + q(rel) + ", S_IFIFO|0644)", root -> {
            Host.mknod(p(root, rel), Stat.S_IFIFO | 0644, 0);
            return null;
        });
    }

    static Op mknodChr(String rel, long major, long minor) {
        return new Op("mknod(" + q(rel) + ", S_IFCHR|0644, " + major + ":" + minor + ")", root -> {
            Host.mknod(p(root, rel), Stat.S_IFCHR | 0644, Stat.makedev(major, minor));
            return null;
        });
    }

    /** readdir: the sorted names. */
    static Op readdir(String rel) {
        return new Op("readdir(" + q(rel) + ")", root -> {
            List<String> names = new ArrayList<>(Host.list(p(root, rel)));
            names.sort(null);
            return "ok " + names.stream().map(n -> n.length() > 40 ? q(n) : n).toList();
        });
    }

    // ---- attributes

    /** chmod(2): follows a symlink, as chmod does. */
    static Op chmod(String rel, int mode) {
        return new Op("chmod(" + q(rel) + ", " + Integer.toOctalString(mode) + ")", root -> {
            Host.chmod(p(root, rel), mode);
            return null;
        });
    }

    static Op lchown(String rel, int uid, int gid) {
        return new Op("lchown(" + q(rel) + ", " + uid + ", " + gid + ")", root -> {
            Host.lchown(p(root, rel), uid, gid);
            return null;
        });
    }

    /** utimensat(AT_SYMLINK_NOFOLLOW) setting atime and mtime to an explicit time. */
    static Op utimens(String rel, long sec, long nsec) {
        return new Op("utimens(" + q(rel) + ", " + sec + "." + String.format("%09d", nsec) + ")", root -> {
            Host.utimens(p(root, rel), sec, nsec, sec, nsec);
            return null;
        });
    }

    /** utimensat(AT_SYMLINK_NOFOLLOW, UTIME_NOW). */
    static Op touch(String rel) {
        return new Op("utimens(" + q(rel) + ", UTIME_NOW)", root -> {
            Host.utimens(p(root, rel), 0, Host.UTIME_NOW, 0, Host.UTIME_NOW);
            return null;
        });
    }

    // ---- extended attributes (l* variants: never follow symlinks)

    static Op setxattr(String rel, String name, String value, int flags) {
        String f = flags == 0 ? "0" : flags == Host.XATTR_CREATE ? "XATTR_CREATE" : flags == Host.XATTR_REPLACE ? "XATTR_REPLACE" : "" + flags;
        return new Op("setxattr(" + q(rel) + ", " + q(name) + ", " + q(value) + ", " + f + ")", root -> {
            Host.setxattr(p(root, rel), name, value.getBytes(StandardCharsets.UTF_8), flags);
            return null;
        });
    }

    static Op getxattr(String rel, String name) {
        return new Op("getxattr(" + q(rel) + ", " + q(name) + ")", root -> {
            byte[] v = Host.getxattr(p(root, rel), name);
            return v == null ? "ENODATA" : "ok " + TreeSnapshot.show(v);
        });
    }

    static Op removexattr(String rel, String name) {
        return new Op("removexattr(" + q(rel) + ", " + q(name) + ")", root -> {
            Host.removexattr(p(root, rel), name);
            return null;
        });
    }

    static Op listxattr(String rel) {
        return new Op("listxattr(" + q(rel) + ")", root -> {
            List<String> names = new ArrayList<>(Host.listxattr(p(root, rel)));
            names.sort(null);
            return "ok " + names;
        });
    }
}
