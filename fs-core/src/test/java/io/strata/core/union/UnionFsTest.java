package io.strata.core.union;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.core.xattr.OverlayXattrs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static io.strata.core.testing.Unions.errnoOf;
import static io.strata.core.testing.Unions.sorted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Union semantics on real directories, without FUSE: what overlayfs does, call by call. */
class UnionFsTest {
    @TempDir
    Path base;
    Trees l1, l2, upper;

    @BeforeEach
    void layers() {
        l1 = Trees.at(base.resolve("lower1"));
        l2 = Trees.at(base.resolve("lower2"));
        upper = Trees.at(base.resolve("upper"));
    }

    private UnionFs union() throws FsException {
        return Unions.open(base, 2, true, "");
    }

    private static String read(UnionFs fs, String path) throws FsException {
        try (UnionFile f = fs.open(path, Host.O_RDONLY)) {
            byte[] b = new byte[1 << 16];
            int n = f.read(b, b.length, 0);
            return new String(b, 0, n, StandardCharsets.UTF_8);
        }
    }

    private static void write(UnionFs fs, String path, String s, long off) throws FsException {
        try (UnionFile f = fs.open(path, Host.O_WRONLY)) {
            byte[] b = s.getBytes(StandardCharsets.UTF_8);
            f.write(b, b.length, off);
        }
    }

    @Test
    void mergesLookupAndReaddirAcrossLayersTopFirst() throws Exception {
        l1.file("a", "top").file("d/x", "x");
        l2.file("a", "bottom").file("b", "b").file("d/y", "y");
        UnionFs fs = union();
        assertEquals("a,b,d", sorted(fs.readdir("")));
        assertEquals("x,y", sorted(fs.readdir("d")));
        assertEquals("top", read(fs, "a"));
        assertEquals(1, fs.getattr("d").nlink(), "a merged directory reports nlink 1, like overlayfs");
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("nope")));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.getattr("a/x")));
    }

    @Test
    void honoursEveryWhiteoutForm() throws Exception {
        l1.whiteout("dev0").ociWhiteout("oci").file("keep", "k");
        l1.file("xw", "").xattr("xw", OverlayXattrs.WHITEOUT, "y").xattr("", OverlayXattrs.OPAQUE, "x");
        l1.file("plain/xw", "").xattr("plain/xw", OverlayXattrs.WHITEOUT, "y");
        l2.file("plain/xw", "shown: the directory is not marked opaque=x");
        l2.file("dev0", "hidden").file("oci", "hidden").file("xw", "hidden").file("keep", "below");
        UnionFs fs = union();
        assertEquals("keep,plain", sorted(fs.readdir("")), "whiteouts and .wh. markers are hidden, and so is what they delete");
        assertEquals("xw", sorted(fs.readdir("plain")));
        assertEquals(0, fs.getattr("plain/xw").size(), "an unmarked directory's xattr-whiteout file is an ordinary file");
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("dev0")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("oci")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("xw")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr(".wh.oci")));
    }

    @Test
    void ociWhiteoutHidesLowerLayersOnlyNotItsOwn() throws Exception {
        l1.file("same", "mine").ociWhiteout("same");
        l2.file("same", "below");
        UnionFs fs = union();
        assertEquals("mine", read(fs, "same"));
        assertEquals("same", sorted(fs.readdir("")));
    }

    @Test
    void opaqueDirectoriesInBothFormsStopTheMerge() throws Exception {
        l1.opaque("x").file("x/top", "t").dir("o").ociOpaque("o").file("o/top", "t");
        l2.file("x/below", "b").file("o/below", "b");
        UnionFs fs = union();
        assertEquals("top", sorted(fs.readdir("x")));
        assertEquals("top", sorted(fs.readdir("o")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("o/below")));
    }

    @Test
    void copyUpKeepsDataModeOwnerTimesAndXattrs() throws Exception {
        l1.file("etc/conf", "hello").mode("etc/conf", 0640).owner("etc/conf", 1234, 2345).mtime("etc/conf", 1_000_000)
                .xattr("etc/conf", "user.tag", "v1").mtime("etc", 999);
        UnionFs fs = union();
        long ino = fs.getattr("etc/conf").ino();
        write(fs, "etc/conf", "J", 0);
        Stat up = Host.lstat(upper.path("etc/conf").toString());
        assertEquals(0640, up.perms());
        assertEquals(1234, up.uid());
        assertEquals(2345, up.gid());
        assertEquals("Jello", read(fs, "etc/conf"));
        assertEquals("hello", Files.readString(l1.path("etc/conf")), "the lower layer is never written");
        assertArrayEquals("v1".getBytes(), fs.getxattr("etc/conf", "user.tag"));
        assertEquals(ino, fs.getattr("etc/conf").ino(), "copy-up keeps the inode number");
        assertTrue(Host.lstat(upper.path("etc").toString()).isDir(), "parent copied up first");
        assertEquals(999, Host.lstat(upper.path("etc").toString()).mtimeSec(), "parent's times copied");
        assertEquals(0, Host.list(base.resolve("work/work").toString()).size(), "nothing left in the work dir");
    }

    @Test
    void metadataChangesCopyNoData() throws Exception {
        byte[] big = new byte[1 << 20];
        java.util.Arrays.fill(big, (byte) 7);
        Files.write(l1.path("big"), big);
        UnionFs fs = union();
        fs.chmod("big", 0600);
        Stat up = Host.lstat(upper.path("big").toString());
        assertEquals(big.length, up.size());
        assertTrue(up.blocks() * 512 < big.length / 16, "metacopy: the upper file holds no data (an xattr block at most)");
        assertEquals(0600, fs.getattr("big").perms());
        assertTrue(fs.getattr("big").blocks() > 0, "st_blocks of a metacopy file come from its data");
        try (UnionFile f = fs.open("big", Host.O_RDONLY)) {
            byte[] b = new byte[16];
            f.read(b, 16, 1000);
            assertEquals(7, b[0], "reads of a metacopy file go to the lower data");
        }
        write(fs, "big", "x", 0);
        assertNull(Host.getxattr(upper.path("big").toString(), OverlayXattrs.METACOPY), "data copied on first write");
        try (UnionFile f = fs.open("big", Host.O_RDONLY)) {
            byte[] b = new byte[2];
            f.read(b, 2, 0);
            assertEquals('x', b[0]);
            assertEquals(7, b[1]);
        }
    }

    @Test
    void unlinkLeavesAWhiteoutOnlyWhereALowerObjectWouldShow() throws Exception {
        l1.file("lower", "l");
        UnionFs fs = union();
        fs.create("fresh", Host.O_WRONLY, 0644, Caller.ROOT).close();
        fs.unlink("lower");
        fs.unlink("fresh");
        assertTrue(Host.lstat(upper.path("lower").toString()).isCharDevice());
        assertNull(Host.lstatOrNull(upper.path("fresh").toString()), "no whiteout for a pure upper file");
        assertEquals("", sorted(fs.readdir("")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.unlink("lower")));
    }

    @Test
    void whiteoutsShareOneInodeAsTheKernelsDo() throws Exception {
        l1.file("a", "a").file("b", "b").file("c", "c").file("d/x", "x");
        UnionFs fs = union();
        fs.unlink("a");
        fs.unlink("b");
        Stat a = Host.lstat(upper.path("a").toString()), b = Host.lstat(upper.path("b").toString());
        for (Stat w : new Stat[] {a, b}) {
            assertTrue(w.isCharDevice() && w.rdev() == 0, "a 0/0 character device, as the kernel reads whiteouts");
        }
        assertEquals(a.ino(), b.ino(), "one inode, linked once per whiteout");
        assertTrue(a.nlink() >= 2);
        write(fs, "c", "upper copy", 0); // an upper file over a lower one: its whiteout is swapped in from the work dir
        fs.unlink("c");
        assertEquals(a.ino(), Host.lstat(upper.path("c").toString()).ino());
        fs.unlink("d/x");
        fs.rmdir("d"); // empty through the union: its upper copy holds only a shared whiteout
        assertEquals(a.ino(), Host.lstat(upper.path("d").toString()).ino());
        assertEquals("", sorted(fs.readdir("")));
    }

    @Test
    void aSharedWhiteoutRemovedBehindTheUnionsBackIsMadeAgain() throws Exception {
        l1.file("a", "a").file("b", "b");
        UnionFs fs = union();
        fs.unlink("a");
        for (Path p : Files.newDirectoryStream(base.resolve("work/work"))) Files.delete(p);
        fs.unlink("b");
        Stat b = Host.lstat(upper.path("b").toString());
        assertTrue(b.isCharDevice() && b.rdev() == 0);
        assertNotEquals(Host.lstat(upper.path("a").toString()).ino(), b.ino(), "a new shared inode");
        assertEquals("", sorted(fs.readdir("")));
    }

    @Test
    void rmdirRefusesMergedNonEmptyAndRecreatedDirIsOpaque() throws Exception {
        l1.file("d/a", "a");
        l2.file("d/b", "b");
        UnionFs fs = union();
        assertEquals(Errno.ENOTEMPTY, errnoOf(() -> fs.rmdir("d")));
        fs.unlink("d/a");
        fs.unlink("d/b");
        fs.rmdir("d");
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("d")));
        fs.mkdir("d", 0755, Caller.ROOT);
        assertEquals("", sorted(fs.readdir("d")), "a directory made over a deleted one shows nothing from below");
        assertArrayEquals(OverlayXattrs.YES, Host.getxattr(upper.path("d").toString(), OverlayXattrs.OPAQUE));
        assertEquals(Errno.EEXIST, errnoOf(() -> fs.mkdir("d", 0755, Caller.ROOT)));
        fs.create("d/f", Host.O_WRONLY, 0644, Caller.ROOT).close();
        assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.rmdir("d/f")));
        assertEquals(Errno.EISDIR, errnoOf(() -> fs.unlink("d")));
    }

    @Test
    void renamingALowerDirectoryRedirectsInsteadOfEXDEV() throws Exception {
        l1.file("d/x", "x");
        l2.file("d/y", "y").file("d/sub/z", "z");
        UnionFs fs = union();
        long ino = fs.getattr("d").ino();
        fs.rename("d", "e", 0);
        assertEquals("sub,x,y", sorted(fs.readdir("e")));
        assertEquals("z", read(fs, "e/sub/z"));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("d")));
        assertEquals("/d", new String(Host.getxattr(upper.path("e").toString(), OverlayXattrs.REDIRECT)));
        assertEquals(ino, fs.getattr("e").ino(), "a renamed directory keeps its inode number");
        fs.rename("e", "f", 0);
        assertEquals("sub,x,y", sorted(fs.readdir("f")));
        fs.mkdir("d", 0755, Caller.ROOT);
        assertEquals("", sorted(fs.readdir("d")));
    }

    @Test
    void renameExchangeSwapsObjectsFromAnyLayer() throws Exception {
        l1.file("a", "A").file("d/x", "x");
        l2.file("d/y", "y");
        UnionFs fs = union();
        fs.create("n", Host.O_WRONLY, 0644, Caller.ROOT).close();
        long inoA = fs.getattr("a").ino(), inoD = fs.getattr("d").ino();
        fs.rename("a", "n", Host.RENAME_EXCHANGE);
        assertEquals("A", read(fs, "n"));
        assertEquals(0, fs.getattr("a").size());
        assertEquals(inoA, fs.getattr("n").ino(), "the object keeps its inode number at its new name");
        fs.rename("d", "a", Host.RENAME_EXCHANGE); // a merged directory and an upper file
        assertEquals("x,y", sorted(fs.readdir("a")), "the directory still merges its lower parts");
        assertEquals(inoD, fs.getattr("a").ino());
        assertEquals(0, fs.getattr("d").size());
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.rename("a", "missing", Host.RENAME_EXCHANGE)));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.rename("a", "a/x", Host.RENAME_EXCHANGE)));
    }

    @Test
    void renameOverExistingTargetsAndIntoItself() throws Exception {
        l1.file("a", "A").file("b", "B").file("dir/x", "x").dir("empty").file("full/f", "f");
        UnionFs fs = union();
        fs.rename("a", "b", 0);
        assertEquals("A", read(fs, "b"));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("a")));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.rename("dir", "dir/inside", 0)));
        assertEquals(Errno.ENOTEMPTY, errnoOf(() -> fs.rename("dir", "full", 0)));
        assertEquals(Errno.EISDIR, errnoOf(() -> fs.rename("b", "empty", 0)));
        assertEquals(Errno.ENOTDIR, errnoOf(() -> fs.rename("dir", "b", 0)));
        fs.rename("dir", "empty", 0);
        assertEquals("x", sorted(fs.readdir("empty")));
        assertEquals(Errno.EEXIST, errnoOf(() -> fs.rename("b", "full/f", io.strata.core.host.Host.RENAME_NOREPLACE)));
    }

    @Test
    void renameBetweenTwoNamesOfOneFileDoesNothing() throws Exception {
        l1.file("d/x", "X").hardlink("d/y", "d/x");
        UnionFs fs = union();
        fs.rename("d/y", "d/x", 0); // two lower names of one file (a random differential seed with libfuse 2: EEXIST)
        fs.rename("d/x", "d/y", Host.RENAME_EXCHANGE);
        assertEquals("x,y", sorted(fs.readdir("d")));
        assertEquals(2, fs.getattr("d/x").nlink());
        assertEquals(Errno.EEXIST, errnoOf(() -> fs.rename("d/y", "d/x", Host.RENAME_NOREPLACE)));
        fs.link("d/x", "d/z", Caller.ROOT); // upper names of one file
        fs.rename("d/z", "d/y", 0);
        assertEquals("x,y,z", sorted(fs.readdir("d")));
        assertEquals(3, fs.getattr("d/y").nlink());
        assertEquals("X", read(fs, "d/z"));
    }

    @Test
    void inodeNumbersAreStableAndDistinct() throws Exception {
        l1.file("a", "a").file("b", "b");
        l2.file("c", "c");
        UnionFs fs = union();
        long a = fs.getattr("a").ino(), b = fs.getattr("b").ino(), c = fs.getattr("c").ino();
        assertNotEquals(a, b);
        assertNotEquals(a, c);
        fs.chown("a", 5, 5);
        write(fs, "b", "!", 0);
        assertEquals(a, fs.getattr("a").ino());
        assertEquals(b, fs.getattr("b").ino());
        UnionFs again = union();
        assertEquals(a, again.getattr("a").ino(), "and across a remount");
        assertEquals(b, again.getattr("b").ino());
    }

    @Test
    void overlayXattrsAreHiddenAndCallersOwnAreEscaped() throws Exception {
        l1.opaque("o").file("o/f", "f").xattr("o", "user.visible", "1");
        UnionFs fs = union();
        assertEquals(java.util.List.of("user.visible"), fs.listxattr("o"));
        assertEquals(Errno.ENODATA, errnoOf(() -> fs.getxattr("o", OverlayXattrs.OPAQUE)));
        assertEquals(Errno.ENODATA, errnoOf(() -> fs.removexattr("o", OverlayXattrs.REDIRECT)));
        // like kernel overlayfs 6.7+: a caller's trusted.overlay.X is kept as trusted.overlay.overlay.X
        fs.setxattr("o", OverlayXattrs.REDIRECT, new byte[] {'/', 'x'}, 0);
        assertArrayEquals(new byte[] {'/', 'x'}, fs.getxattr("o", OverlayXattrs.REDIRECT));
        assertTrue(fs.listxattr("o").contains(OverlayXattrs.REDIRECT));
        assertNull(Host.getxattr(upper.path("o").toString(), OverlayXattrs.REDIRECT), "the real marker is untouched");
        assertArrayEquals(new byte[] {'/', 'x'}, Host.getxattr(upper.path("o").toString(), "trusted.overlay.overlay.redirect"));
        assertEquals(java.util.List.of("f"), fs.readdir("o"), "and the union does not follow it");
        fs.removexattr("o", OverlayXattrs.REDIRECT);
        assertEquals(Errno.ENODATA, errnoOf(() -> fs.getxattr("o", OverlayXattrs.REDIRECT)));
        assertEquals(Errno.ENODATA, errnoOf(() -> fs.removexattr("o", "user.none")));
    }

    @Test
    void namesUpTo255BytesWork() throws Exception {
        UnionFs fs = union();
        String n255 = "n".repeat(255);
        fs.create(n255, Host.O_WRONLY, 0644, Caller.ROOT).close();
        assertTrue(fs.getattr(n255).isRegular());
        assertEquals(Errno.ENAMETOOLONG, errnoOf(() -> fs.create("n".repeat(256), Host.O_WRONLY, 0644, Caller.ROOT)));
    }

    @Test
    void readOnlyUnionRefusesChanges() throws Exception {
        l1.file("a", "a");
        UnionFs fs = Unions.open(base, 2, false, "");
        assertEquals(Errno.EROFS, errnoOf(() -> fs.unlink("a")));
        assertEquals(Errno.EROFS, errnoOf(() -> fs.open("a", Host.O_RDWR)));
        assertEquals(Errno.EROFS, errnoOf(() -> fs.mkdir("x", 0755, Caller.ROOT)));
        assertEquals("a", read(fs, "a"));
    }

    @Test
    void hardLinkOfALowerFileSharesOneUpperInode() throws Exception {
        l1.file("a", "a");
        UnionFs fs = union();
        fs.link("a", "b", Caller.ROOT);
        assertEquals(2, fs.getattr("a").nlink());
        assertEquals(fs.getattr("a").ino(), fs.getattr("b").ino());
        write(fs, "b", "B", 0);
        assertEquals("B", read(fs, "a"));
        assertEquals(Errno.EPERM, errnoOf(() -> fs.link("", "x", Caller.ROOT)));
    }

    @Test
    void aHardLinkedLowerFileStaysOneFileAfterCopyUp() throws Exception {
        l1.file("bin/busybox", "v1").hardlink("bin/sh", "bin/busybox").hardlink("usr/ls", "bin/busybox").whiteout("gone");
        l1.dir("usr").mtime("usr", 4242);
        UnionFs fs = union();
        long ino = fs.getattr("bin/sh").ino();
        assertEquals(3, fs.getattr("bin/sh").nlink());
        write(fs, "bin/sh", "v2", 0);
        assertEquals("v2", read(fs, "bin/busybox"));
        assertEquals("v2", read(fs, "usr/ls"));
        assertEquals(3, fs.getattr("usr/ls").nlink());
        assertEquals(ino, fs.getattr("bin/busybox").ino());
        assertEquals(ino, fs.getattr("usr/ls").ino());
        assertEquals(4242, fs.getattr("usr").mtimeSec(), "linking an alias in is no change of its directory");
        assertEquals("v1", Files.readString(l1.path("usr/ls")));
        fs.unlink("usr/ls");
        assertEquals(2, fs.getattr("bin/sh").nlink());
        assertEquals(ino, union().getattr("bin/busybox").ino(), "after a remount too");
    }

    @Test
    void newObjectsBelongToTheCaller() throws Exception {
        UnionFs fs = union();
        fs.mkdir("d", 0750, new Caller(1000, 1001));
        fs.symlink("target", "d/l", new Caller(1000, 1001));
        Stat d = fs.getattr("d"), l = fs.getattr("d/l");
        assertEquals(1000, d.uid());
        assertEquals(1001, d.gid());
        assertEquals(1000, l.uid());
        assertEquals("target", fs.readlink("d/l"));
    }

    @Test
    void aCreatedFileIsOpenAsCreatedAndItsStatIsTheUnionsAttributes() throws Exception {
        l1.file("d/gone", "lower").file("d/keep", "k");
        UnionFs fs = union();
        fs.unlink("d/gone"); // a whiteout now: the next create replaces it through the work directory
        for (String name : new String[]{"d/fresh", "d/gone"}) {
            try (UnionFile f = fs.create(name, Host.O_RDWR | Host.O_CREAT | Host.O_EXCL, 0640, new Caller(1000, 1001))) {
                assertTrue(f.created());
                byte[] b = "new".getBytes(StandardCharsets.UTF_8);
                f.write(b, b.length, 0);
                Stat open = f.stat(), named = fs.getattr(name);
                assertEquals(named.ino(), open.ino(), name);
                assertEquals(named.mode(), open.mode(), name);
                assertEquals(1000, open.uid(), name);
                assertEquals(1001, open.gid(), name);
                assertEquals(3, named.size(), name);
            }
            assertEquals("new", read(fs, name));
        }
        assertTrue(Host.lstat(upper.path("d/gone").toString()).isRegular(), "the whiteout was replaced");
        try (UnionFile f = fs.create("d/keep", Host.O_RDWR | Host.O_CREAT, 0600, Caller.ROOT)) {
            assertFalse(f.created(), "an existing file is opened, not created");
        }
        assertEquals("fresh,gone,keep", sorted(fs.readdir("d")));
        assertEquals(fs.getattr("d/fresh").ino(), union().getattr("d/fresh").ino(), "after a remount too");
    }

    @Test
    void namesBelowACopiedUpDirectoryResolveAsBefore() throws Exception {
        l1.file("d/a", "a").file("d/sub/x", "x");
        l2.file("d/b", "b").file("d/a", "hidden");
        UnionFs fs = union();
        assertEquals("a", read(fs, "d/a")); // resolved and cached while d is only in the lowers
        fs.getattr("d/b");
        fs.getattr("d/sub/x");
        fs.unlink("d/a"); // copies d up, then leaves a whiteout
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("d/a")));
        assertEquals("b", read(fs, "d/b"));
        fs.unlink("d/b");
        fs.unlink("d/sub/x");
        fs.rmdir("d/sub");
        assertEquals("", sorted(fs.readdir("d")));
        assertTrue(Host.lstat(upper.path("d/b").toString()).isCharDevice());
        assertTrue(Host.lstat(upper.path("d/sub").toString()).isCharDevice());
        assertEquals("", sorted(union().readdir("d")), "after a remount too");
    }

    @Test
    void namesLookedUpAsMissingAreNotRememberedPastTheChangesThatMakeThem() throws Exception {
        l1.file("gone", "lower").file("d/keep", "k");
        UnionFs fs = union();
        for (String p : new String[] {"new", "dir", "moved", "linked", "d/new"})
            assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr(p)), p + " is missing at first");
        fs.create("new", Host.O_WRONLY | Host.O_EXCL, 0644, Caller.ROOT).close();
        assertTrue(fs.getattr("new").isRegular());
        assertEquals(Errno.EEXIST, errnoOf(() -> fs.create("new", Host.O_WRONLY | Host.O_EXCL, 0644, Caller.ROOT)));
        fs.mkdir("dir", 0755, Caller.ROOT);
        assertTrue(fs.getattr("dir").isDir());
        fs.create("d/new", Host.O_WRONLY, 0600, Caller.ROOT).close(); // in a lower directory: copied up first
        assertEquals("keep,new", sorted(fs.readdir("d")));
        fs.rename("new", "moved", 0);
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("new")));
        assertTrue(fs.getattr("moved").isRegular());
        fs.link("moved", "linked", Caller.ROOT);
        assertEquals(2, fs.getattr("linked").nlink());

        fs.unlink("gone"); // a whiteout in the upper now, looked up as missing...
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("gone")));
        fs.create("gone", Host.O_WRONLY, 0644, Caller.ROOT).close(); // ...and made again over it
        assertEquals("", read(fs, "gone"), "a new empty file, not the lower one");
        assertTrue(Files.isRegularFile(base.resolve("upper/gone")), "the whiteout was replaced");
        fs.unlink("moved");
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("moved")));
        fs.mkdir("moved", 0700, Caller.ROOT); // an upper-only name again free: no whiteout needed, none made
        assertTrue(fs.getattr("moved").isDir());
    }
}
