package io.strata.fuse.differential;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

/**
 * The lower layers every differential case starts from: three layer directories {@code l1} (top), {@code l2},
 * {@code l3} (bottom) in kernel overlayfs' on-disk format. {@link #build} is deterministic (contents, modes, owners,
 * xattrs and every timestamp are set explicitly), so two calls produce byte-identical trees; {@link DiffEnv} checks
 * that they do before anything is mounted.
 *
 * <p>What the union shows at the start (top layer wins):
 * <pre>
 * etc/passwd (l3)  etc/hosts (l2 over l3)  etc/motd (l1)  etc/conf.d/{a.conf (l3), c.conf (l2)}  b.conf: l1 whiteout
 * usr/bin/tool (0755)  usr/lib/libx.so (64 KiB)                                        (l3)
 * data/file1 (user.color, trusted.test)  data/file2                                    (l3)
 * hard/{a,b} hard links (l3)            hard2/{x,y} hard links (l2)     apart1/p, apart2/q: one file, two dirs (l3)
 * opq/new1 (l1, opq opaque in l1: l3's opq/old1, old2, sub/deep are hidden)
 * gone: l2 whiteout hiding l3's directory gone/{x,y};  gonefile: l1 whiteout hiding l3's file
 * sparse (8 MiB, two 4 KiB extents)  deep/d01/../d16/leaf  owned (1000:1000 0640)  private/ (0700)/secret   (l3)
 * ren/dir1/{f, sub/g (l3), fromL2 (l2)}  ren/dir2/f2 (l2)  ren/dir3/h (l1)
 * merged/{fromL1, fromL2, fromL3}  merged/sub/{l1, l2, l3}                              (all three)
 * emptydir/ (l3, empty)  emptymerged/ (l1 and l2, both empty)  onlywh/ (l3 onlywh/x, whited out in l2)
 * typeswap: l2 file over an l3 directory;  typeswap2/inner: l2 directory over an l3 file
 * link -> etc/hosts  dlink -> usr  dangling -> nowhere  abslink -> /nonexistent-strata/target   (l2)
 * fifo  chr (char 1:3)  xdir/ (user.dirattr, trusted.dirattr)  xdir/f (user.a, user.b)   (l2)
 * LONG_NAME (255 bytes, l1)  wide/f00..f29 (l1)
 * </pre>
 * Symlink targets never contain "..", so nothing done through a mount can reach outside it.
 */
final class LowerFixture {
    /** 2020-01-01T00:00:00Z: every fixture timestamp is this plus a per-path offset, long before any test runs. */
    static final long T0 = 1_577_836_800L;
    static final String LONG_NAME = "L" + "o".repeat(250) + "name"; // 255 bytes
    static final String DEEP = deepPath(16);
    static final List<String> LAYERS = List.of("l1", "l2", "l3");

    private LowerFixture() {
    }

    static String deepPath(int depth) {
        StringBuilder b = new StringBuilder("deep");
        for (int i = 1; i <= depth; i++) b.append(String.format("/d%02d", i));
        return b.toString();
    }

    /** Creates root/l1, root/l2, root/l3. */
    static void build(Path root) throws FsException {
        Layer l3 = new Layer(root.resolve("l3"));
        l3.file("etc/passwd", "root:x:0:0:root:/root:/bin/sh\n", 0644);
        l3.file("etc/hosts", "127.0.0.1 localhost\n", 0644);
        l3.file("etc/conf.d/a.conf", "a=1\n", 0644);
        l3.file("etc/conf.d/b.conf", "b=1\n", 0644);
        l3.file("usr/bin/tool", "#!/bin/sh\necho tool\n", 0755);
        l3.file("usr/lib/libx.so", random("libx", 64 * 1024), 0644);
        l3.file("data/file1", "file one\n", 0644);
        l3.xattr("data/file1", "user.color", "red");
        l3.xattr("data/file1", "trusted.test", "t3");
        l3.file("data/file2", "file two contents\n", 0644);
        l3.file("hard/a", "hard link data\n", 0644);
        l3.hardlink("hard/a", "hard/b");
        l3.file("apart1/p", "apart\n", 0644);
        l3.hardlink("apart1/p", "apart2/q");
        l3.file("opq/old1", "old1\n", 0644);
        l3.file("opq/old2", "old2\n", 0644);
        l3.file("opq/sub/deep", "hidden\n", 0644);
        l3.file("gone/x", "gone x\n", 0644);
        l3.file("gone/y", "gone y\n", 0644);
        l3.file("gonefile", "gone file\n", 0644);
        l3.sparse("sparse", 8L << 20, new long[] {0, 3L << 20});
        l3.file(DEEP + "/leaf", "leaf\n", 0644);
        l3.file("owned", "owned by 1000\n", 0640);
        l3.owner("owned", 1000, 1000);
        l3.file("private/secret", "secret\n", 0600);
        l3.mode("private", 0700);
        l3.file("ren/dir1/f", "ren f\n", 0644);
        l3.file("ren/dir1/sub/g", "ren g\n", 0644);
        l3.file("merged/fromL3", "from l3\n", 0644);
        l3.file("merged/sub/l3", "sub l3\n", 0644);
        l3.dir("emptydir");
        l3.file("onlywh/x", "only whiteout\n", 0644);
        l3.file("typeswap/inner", "under a file\n", 0644);
        l3.file("typeswap2", "under a dir\n", 0644);

        Layer l2 = new Layer(root.resolve("l2"));
        l2.file("etc/hosts", "10.0.0.2 l2host\n", 0644);
        l2.file("etc/conf.d/c.conf", "c=2\n", 0644);
        l2.file("merged/fromL2", "from l2\n", 0644);
        l2.file("merged/sub/l2", "sub l2\n", 0644);
        l2.whiteout("gone");
        l2.symlink("etc/hosts", "link");
        l2.symlink("usr", "dlink");
        l2.symlink("nowhere", "dangling");
        l2.symlink("/nonexistent-strata/target", "abslink");
        l2.fifo("fifo");
        l2.chr("chr", 1, 3);
        l2.file("hard2/x", "hard2\n", 0644);
        l2.hardlink("hard2/x", "hard2/y");
        l2.file("xdir/f", "xdir f\n", 0644);
        l2.xattr("xdir", "user.dirattr", "dir-value");
        l2.xattr("xdir", "trusted.dirattr", "t-dir");
        l2.xattr("xdir/f", "user.a", "1");
        l2.xattr("xdir/f", "user.b", "2");
        l2.file("ren/dir2/f2", "ren f2\n", 0644);
        l2.file("ren/dir1/fromL2", "ren from l2\n", 0644);
        l2.dir("emptymerged");
        l2.whiteout("onlywh/x");
        l2.file("typeswap", "a file over a dir\n", 0644);
        l2.file("typeswap2/inner", "a dir over a file\n", 0644);

        Layer l1 = new Layer(root.resolve("l1"));
        l1.file("opq/new1", "new1\n", 0644);
        l1.opaque("opq");
        l1.whiteout("gonefile");
        l1.whiteout("etc/conf.d/b.conf");
        l1.file("etc/motd", "welcome\n", 0644);
        l1.file("merged/fromL1", "from l1\n", 0644);
        l1.file("merged/sub/l1", "sub l1\n", 0644);
        l1.file(LONG_NAME, "long name\n", 0644);
        l1.file("ren/dir3/h", "ren h\n", 0644);
        l1.dir("emptymerged");
        for (int i = 0; i < 30; i++) l1.file(String.format("wide/f%02d", i), "w" + i + "\n", 0644);

        for (Layer l : List.of(l1, l2, l3)) l.stampTimes();
    }

    static byte[] random(String seed, int n) {
        byte[] b = new byte[n];
        new Random(seed.hashCode()).nextBytes(b);
        return b;
    }

    /** One layer directory, written with the Host calls the union itself uses. */
    static final class Layer {
        private final Path root;

        Layer(Path root) throws FsException {
            this.root = root;
            mkdirs(root.toString());
        }

        String p(String rel) {
            return rel.isEmpty() ? root.toString() : root + "/" + rel;
        }

        private static void mkdirs(String path) throws FsException {
            if (Host.lstatOrNull(path) != null) return;
            int slash = path.lastIndexOf('/');
            if (slash > 0) mkdirs(path.substring(0, slash));
            Host.mkdir(path, 0755);
            Host.chmod(path, 0755);
        }

        private void parents(String rel) throws FsException {
            int slash = rel.lastIndexOf('/');
            if (slash > 0) mkdirs(p(rel.substring(0, slash)));
        }

        void dir(String rel) throws FsException {
            mkdirs(p(rel));
        }

        void file(String rel, String content, int mode) throws FsException {
            file(rel, content.getBytes(StandardCharsets.UTF_8), mode);
        }

        void file(String rel, byte[] content, int mode) throws FsException {
            parents(rel);
            int fd = Host.open(p(rel), Host.O_WRONLY | Host.O_CREAT | Host.O_EXCL, 0600);
            try {
                if (content.length > 0) Host.pwrite(fd, content, content.length, 0);
            } finally {
                Host.close(fd);
            }
            Host.chmod(p(rel), mode);
        }

        void sparse(String rel, long size, long[] extents) throws FsException {
            parents(rel);
            int fd = Host.open(p(rel), Host.O_WRONLY | Host.O_CREAT | Host.O_EXCL, 0600);
            try {
                for (long off : extents) {
                    byte[] data = random(rel + off, 4096);
                    Host.pwrite(fd, data, data.length, off);
                }
                Host.ftruncate(fd, size);
            } finally {
                Host.close(fd);
            }
            Host.chmod(p(rel), 0644);
        }

        void symlink(String target, String rel) throws FsException {
            parents(rel);
            Host.symlink(target, p(rel));
        }

        void hardlink(String existing, String rel) throws FsException {
            parents(rel);
            Host.link(p(existing), p(rel));
        }

        void fifo(String rel) throws FsException {
            parents(rel);
            Host.mknod(p(rel), Stat.S_IFIFO | 0644, 0);
            Host.chmod(p(rel), 0644);
        }

        void chr(String rel, long major, long minor) throws FsException {
            parents(rel);
            Host.mknod(p(rel), Stat.S_IFCHR | 0644, Stat.makedev(major, minor));
            Host.chmod(p(rel), 0644);
        }

        /** Kernel overlayfs whiteout: a character device 0/0. */
        void whiteout(String rel) throws FsException {
            parents(rel);
            Host.mknod(p(rel), Stat.S_IFCHR, 0);
        }

        void opaque(String rel) throws FsException {
            dir(rel);
            Host.setxattr(p(rel), "trusted.overlay.opaque", "y".getBytes(StandardCharsets.UTF_8), 0);
        }

        void xattr(String rel, String name, String value) throws FsException {
            Host.setxattr(p(rel), name, value.getBytes(StandardCharsets.UTF_8), 0);
        }

        void owner(String rel, int uid, int gid) throws FsException {
            Host.lchown(p(rel), uid, gid);
        }

        void mode(String rel, int mode) throws FsException {
            Host.chmod(p(rel), mode);
        }

        /** Sets atime and mtime of everything, children before parents, to a per-path time with nanoseconds. */
        void stampTimes() throws FsException {
            stamp("");
        }

        private void stamp(String rel) throws FsException {
            Stat st = Host.lstat(p(rel));
            if (st.isDir()) {
                List<String> names = Host.list(p(rel)).stream().sorted().toList();
                for (String n : names) stamp(rel.isEmpty() ? n : rel + "/" + n);
            }
            int h = (root.getFileName() + "/" + rel).hashCode() & 0x7fffffff;
            long sec = T0 + h % 10_000_000;
            long nsec = (h * 7919L) % 1_000_000_000L;
            Host.utimens(p(rel), sec, nsec, sec, nsec);
        }
    }
}
