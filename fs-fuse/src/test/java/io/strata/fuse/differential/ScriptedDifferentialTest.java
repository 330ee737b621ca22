package io.strata.fuse.differential;

import io.strata.core.host.Host;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.util.function.Consumer;

import static io.strata.fuse.differential.LowerFixture.DEEP;
import static io.strata.fuse.differential.LowerFixture.LONG_NAME;
import static io.strata.fuse.differential.Ops.*;

/**
 * Scripted differential cases, one topic per test: each builds fresh lower layers in two identical copies, runs the
 * same ops through kernel overlayfs and through Strata, compares every op's result (errno or what it read), then the
 * two merged trees in full, then the swap checks (see {@link DiffEnv#finish}). The fixture is described in
 * {@link LowerFixture}. {@code expect(...)} pins results that both must give, where the comparison alone would let a
 * harness mistake pass (e.g. the kernel mount lacking redirect_dir would make both sides EXDEV).
 */
@Timeout(value = 300, threadMode = Timeout.ThreadMode.SEPARATE_THREAD) // a hung FUSE call must not hang the build
class ScriptedDifferentialTest {
    private static final java.util.function.BooleanSupplier SELF_CHECK_OR_FLAGS =
            () -> DiffEnv.SELF_CHECK || io.strata.fuse.FuseMount.passesRenameFlags();

    static final String N256 = "x".repeat(256);
    static final String N255 = "y".repeat(255);
    static final long T1 = 1_500_000_000L, T2 = 1_400_000_000L, T3 = 1_300_000_000L;

    private static void script(String label, Consumer<Runner> body) throws Exception {
        try (DiffEnv env = DiffEnv.create(label)) {
            Runner r = env.start();
            body.accept(r);
            DiffEnv.assertNone(label, r, env.finish(r));
        }
    }

    @Test
    void filesCreateWriteTruncate() throws Exception {
        script("files", r -> {
            r.run(write("newfile", CREAT, "hello")).expect("ok");
            r.run(read("newfile")).expect("ok");
            r.run(append("newfile", " world"));
            r.run(read("newfile"));
            r.run(stat("newfile"));
            r.run(write("newfile", EXCL, "again")).expect("EEXIST");
            // lower files: copy-up with data
            r.run(append("etc/passwd", "user:x:1000:1000::/home/user:/bin/sh\n")).expect("ok");
            r.run(read("etc/passwd"));
            r.run(write("etc/hosts", TRUNC, "truncated\n")).expect("ok");
            r.run(read("etc/hosts"));
            r.run(write("etc/motd", EXCL, "x")).expect("EEXIST");
            r.run(write("etc/motd", WR, "W")).expect("ok");
            r.run(read("etc/motd"));
            r.run(write("etc/newexcl", EXCL, "excl")).expect("ok");
            r.run(write("etc/newexcl", EXCL, "excl")).expect("EEXIST");
            r.run(write("etc/conf.d/a.conf", CREAT, "A")).expect("ok");
            r.run(read("etc/conf.d/a.conf"));
            r.run(pwrite("data/file2", RDWR, 3, "XY")).expect("ok");
            r.run(read("data/file2"));
            r.run(pwrite("data/file2", RDWR, 1 << 20, "far")).expect("ok");
            r.run(stat("data/file2"));
            r.run(read("data/file2"));
            // truncate down and up, path-based and through a descriptor
            r.run(truncate("usr/lib/libx.so", 100)).expect("ok");
            r.run(read("usr/lib/libx.so"));
            r.run(truncate("usr/lib/libx.so", 200_000)).expect("ok");
            r.run(read("usr/lib/libx.so"));
            r.run(ftruncate("usr/bin/tool", 3)).expect("ok");
            r.run(read("usr/bin/tool"));
            r.run(stat("usr/bin/tool"));
            r.run(truncate("newfile", 0));
            r.run(read("newfile"));
            r.run(truncate("merged/fromL3", 4096));
            r.run(truncate("merged/sub/l2", 2));
            r.run(read("merged/sub/l2"));
            r.run(truncate("etc", 0)).expect("EISDIR");
            r.run(truncate("fifo", 0)).expect("EINVAL");
            r.run(truncate("missing", 0)).expect("ENOENT");
            r.run(truncate("link", 5)).expect("ok"); // follows to etc/hosts
            r.run(read("etc/hosts"));
            r.run(truncate("dangling", 5)).expect("ENOENT");
            // sparse file: copy-up must keep the holes
            r.run(pwrite("sparse", RDWR, 5L << 20, "middle")).expect("ok");
            r.run(stat("sparse"));
            r.run(read("sparse"));
            // owner and mode survive a data copy-up
            r.run(append("owned", "more\n")).expect("ok");
            r.run(stat("owned"));
            // a deep path: 17 directories copied up
            r.run(append(DEEP + "/leaf", "deeper\n")).expect("ok");
            r.run(write(DEEP + "/new", CREAT, "n")).expect("ok");
            r.run(readdir(DEEP));
            // long names
            r.run(append(LONG_NAME, "+")).expect("ok");
            r.run(read(LONG_NAME));
            r.run(write(N255, CREAT, "255")).expect("ok");
            r.run(write("merged/" + N255, CREAT, "255")).expect("ok");
            r.run(write(N256, CREAT, "256")).expect("ENAMETOOLONG");
            r.run(write("etc/" + N256, CREAT, "256")).expect("ENAMETOOLONG");
            // names hidden by opaque directories and whiteouts
            r.run(write("opq/old1", WR, "x")).expect("ENOENT");
            r.run(write("opq/old1", CREAT, "resurrected\n")).expect("ok");
            r.run(read("opq/old1"));
            r.run(readdir("opq"));
            r.run(write("gonefile", WR, "x")).expect("ENOENT");
            r.run(write("gonefile", CREAT, "back\n")).expect("ok");
            r.run(read("gonefile"));
            r.run(write("etc/conf.d/b.conf", EXCL, "b again\n")).expect("ok");
            r.run(readdir("etc/conf.d"));
            r.run(write("gone/x", CREAT, "x")).expect("ENOENT");
            // wrong types
            r.run(write("etc", WR, "x")).expect("EISDIR");
            r.run(write("etc", CREAT, "x")).expect("EISDIR");
            r.run(write("etc/passwd/x", CREAT, "x")).expect("ENOTDIR");
            r.run(write("nodir/x", CREAT, "x")).expect("ENOENT");
            r.run(write("typeswap2", WR, "x")).expect("EISDIR");
            r.run(append("typeswap", "over a dir\n")).expect("ok");
            r.run(read("typeswap"));
            // through symlinks
            r.run(write("dangling", CREAT, "made through a dangling symlink\n")).expect("ok");
            r.run(read("nowhere"));
            r.run(readlink("dangling"));
            r.run(write("abslink", CREAT, "x")).expect("ENOENT");
            r.run(append("link", "via link\n"));
            r.run(read("etc/hosts"));
            r.run(write("dlink/bin/newtool", CREAT, "via dir link\n")).expect("ok");
            r.run(readdir("usr/bin"));
            // special files
            r.run(write("fifo", WR, "x")).expect("ENXIO");
            r.run(read("fifo")).expect("ESPIPE");
            r.run(read("chr")).expect("ok");
            r.run(write("chr", WR, "into /dev/null")).expect("ok");
            r.run(read("usr/lib/libx.so"));
            r.run(read("sparse"));
            r.run(readdir(""));
        });
    }

    @Test
    void unlinkAndRmdir() throws Exception {
        script("unlink", r -> {
            r.run(unlink("etc/passwd")).expect("ok");
            r.run(stat("etc/passwd")).expect("ENOENT");
            r.run(unlink("etc/passwd")).expect("ENOENT");
            r.run(readdir("etc"));
            r.run(append("etc/hosts", "copied up\n")).expect("ok");
            r.run(unlink("etc/hosts")).expect("ok");
            r.run(stat("etc/hosts")).expect("ENOENT");
            r.run(write("upperonly", CREAT, "u")).expect("ok");
            r.run(unlink("upperonly")).expect("ok");
            r.run(chmod("etc/motd", 0600)).expect("ok"); // metacopy, then removed
            r.run(unlink("etc/motd")).expect("ok");
            r.run(readdir("etc"));
            r.run(unlink("etc")).expect("EISDIR");
            r.run(unlink("etc/conf.d/b.conf")).expect("ENOENT");
            r.run(unlink("missing")).expect("ENOENT");
            r.run(unlink("etc/passwd/x")).expect("ENOENT");
            r.run(unlink("etc/conf.d/a.conf/x")).expect("ENOTDIR");
            // rmdir
            r.run(rmdir("emptydir")).expect("ok");
            r.run(stat("emptydir")).expect("ENOENT");
            r.run(rmdir("emptymerged")).expect("ok");
            r.run(rmdir("merged")).expect("ENOTEMPTY");
            r.run(rmdir("onlywh")).expect("ok"); // merged, but only a whiteout below
            r.run(rmdir("etc/conf.d/a.conf")).expect("ENOTDIR");
            r.run(rmdir("missing")).expect("ENOENT");
            r.run(rmdir("gone")).expect("ENOENT");
            r.run(rmdir("")).expect("EBUSY");
            r.run(rmdir("opq")).expect("ENOTEMPTY");
            r.run(unlink("opq/new1")).expect("ok");
            r.run(rmdir("opq")).expect("ok");
            r.run(mkdir("opq")).expect("ok");
            r.run(readdir("opq")).expect("ok []");
            // recreate a directory after delete: the lower contents must stay hidden
            r.run(mkdir("emptydir", 0700)).expect("ok");
            r.run(readdir("emptydir")).expect("ok []");
            r.run(mkdir("onlywh")).expect("ok");
            r.run(readdir("onlywh")).expect("ok []");
            r.run(unlink("merged/sub/l1"));
            r.run(unlink("merged/sub/l2"));
            r.run(unlink("merged/sub/l3"));
            r.run(readdir("merged/sub")).expect("ok []");
            r.run(rmdir("merged/sub")).expect("ok");
            r.run(mkdir("merged/sub")).expect("ok");
            r.run(readdir("merged/sub")).expect("ok []");
            r.run(write("merged/sub/l3", CREAT, "recreated\n")).expect("ok");
            r.run(read("merged/sub/l3"));
            r.run(readdir("merged"));
            // a merged directory from two layers, removed bottom-up
            r.run(rmdir("ren/dir1")).expect("ENOTEMPTY");
            r.run(unlink("ren/dir1/f"));
            r.run(unlink("ren/dir1/fromL2"));
            r.run(rmdir("ren/dir1")).expect("ENOTEMPTY");
            r.run(unlink("ren/dir1/sub/g"));
            r.run(rmdir("ren/dir1/sub")).expect("ok");
            r.run(rmdir("ren/dir1")).expect("ok");
            r.run(mkdir("ren/dir1")).expect("ok");
            r.run(readdir("ren/dir1")).expect("ok []");
            r.run(readdir("ren"));
            // special files and symlinks from a lower layer
            r.run(unlink("link")).expect("ok");
            r.run(unlink("fifo")).expect("ok");
            r.run(unlink("chr")).expect("ok");
            r.run(unlink("dlink")).expect("ok");
            r.run(write("link", CREAT, "now a file\n")).expect("ok");
            r.run(mkdir("fifo")).expect("ok");
            r.run(symlink("etc", "chr")).expect("ok");
            r.run(readlink("chr"));
            // a whited-out lower directory and file, recreated
            r.run(mkdir("gone")).expect("ok");
            r.run(readdir("gone")).expect("ok []");
            r.run(stat("gone/x")).expect("ENOENT");
            r.run(write("gonefile", CREAT, "g")).expect("ok");
            r.run(unlink("gonefile")).expect("ok");
            r.run(stat("gonefile")).expect("ENOENT");
            // hard links in a lower layer
            r.run(unlink("hard/a")).expect("ok");
            r.run(stat("hard/b"));
            r.run(append("hard2/x", "copied\n"));
            r.run(unlink("hard2/y"));
            r.run(stat("hard2/x"));
            // many entries
            r.run(rmdir("wide")).expect("ENOTEMPTY");
            for (int i = 0; i < 30; i++) r.run(unlink(String.format("wide/f%02d", i)));
            r.run(rmdir("wide")).expect("ok");
            r.run(rmdir("deep")).expect("ENOTEMPTY");
            r.run(unlink(DEEP + "/leaf")).expect("ok");
            r.run(rmdir(DEEP)).expect("ok");
            r.run(readdir(DEEP.substring(0, DEEP.lastIndexOf('/'))));
            // a directory over a lower file, and a file over a lower directory
            r.run(unlink("typeswap2/inner"));
            r.run(rmdir("typeswap2")).expect("ok");
            r.run(stat("typeswap2")).expect("ENOENT");
            r.run(unlink("typeswap")).expect("ok");
            r.run(stat("typeswap")).expect("ENOENT");
            r.run(mkdir("typeswap")).expect("ok");
            r.run(readdir("typeswap")).expect("ok []");
            r.run(unlink(LONG_NAME)).expect("ok");
            r.run(write(LONG_NAME, EXCL, "again\n")).expect("ok");
            r.run(unlink("xdir/f"));
            r.run(rmdir("xdir")).expect("ok");
            r.run(mkdir("xdir")).expect("ok");
            r.run(listxattr("xdir")).expect("ok []");
            r.run(readdir(""));
        });
    }

    @Test
    void renames() throws Exception {
        script("renames", r -> {
            // files from every layer
            r.run(rename("etc/motd", "etc/motd2")).expect("ok"); // l1
            r.run(rename("etc/hosts", "hosts")).expect("ok"); // l2 over l3
            r.run(rename("etc/passwd", "passwd")).expect("ok"); // l3
            r.run(readdir("etc"));
            r.run(read("hosts"));
            r.run(rename("hosts", "etc/motd2")).expect("ok"); // over an (upper) file
            r.run(read("etc/motd2"));
            r.run(rename("usr/bin/tool", "data/file1")).expect("ok"); // over a lower file
            r.run(read("data/file1"));
            r.run(listxattr("data/file1"));
            r.run(write("upper1", CREAT, "upper\n"));
            r.run(rename("upper1", "upper2")).expect("ok");
            r.run(rename("upper2", "merged/fromL1")).expect("ok");
            r.run(read("merged/fromL1"));
            // directories from every layer: no EXDEV (redirect_dir=on)
            r.run(rename("ren/dir1", "ren/moved1")).expect("ok"); // merged l2+l3
            r.run(readdir("ren/moved1"));
            r.run(readdir("ren/moved1/sub"));
            r.run(read("ren/moved1/sub/g"));
            r.run(stat("ren/dir1")).expect("ENOENT");
            r.run(mkdir("ren/dir1")).expect("ok");
            r.run(readdir("ren/dir1")).expect("ok []");
            r.run(rename("ren/dir2", "dir2top")).expect("ok"); // l2
            r.run(rename("ren/dir3", "ren/dir3b")).expect("ok"); // l1
            r.run(readdir("dir2top"));
            r.run(readdir("ren/dir3b"));
            r.run(rename("ren/moved1", "m1")).expect("ok"); // again: a chain of redirects
            r.run(rename("m1", DEEP + "/m1")).expect("ok");
            r.run(readdir(DEEP + "/m1"));
            r.run(read(DEEP + "/m1/fromL2"));
            r.run(append(DEEP + "/m1/f", "written after two renames\n")).expect("ok");
            r.run(read(DEEP + "/m1/f"));
            r.run(rename("etc/conf.d", "confd")).expect("ok");
            r.run(readdir("confd"));
            r.run(rename("confd", "etc/conf.d")).expect("ok");
            r.run(readdir("etc/conf.d"));
            r.run(stat("etc/conf.d/b.conf")).expect("ENOENT");
            // into itself
            r.run(rename("ren", "ren/dir1/x")).expect("EINVAL");
            r.run(rename("etc", "etc/conf.d/etc")).expect("EINVAL");
            r.run(rename("ren/dir3b", "ren/dir3b")).expect("ok");
            // over directories
            r.run(rename("merged", "emptydir")).expect("ok"); // over an empty lower directory
            r.run(readdir("emptydir"));
            r.run(read("emptydir/sub/l2"));
            r.run(rename("dir2top", "emptymerged")).expect("ok"); // over an empty merged directory
            r.run(readdir("emptymerged"));
            r.run(rename("data", "etc")).expect("ENOTEMPTY");
            r.run(rename("data", "etc/motd2")).expect("ENOTDIR");
            r.run(rename("etc/motd2", "data")).expect("EISDIR");
            r.run(rename("missing", "x")).expect("ENOENT");
            r.run(rename("etc/motd2", "nodir/x")).expect("ENOENT");
            r.run(rename("etc/motd2", "etc/motd2/x")).expect("ENOTDIR");
            r.run(mkdir("newdir")).expect("ok");
            r.run(write("newdir/f", CREAT, "in newdir\n"));
            r.run(rename("newdir", "opq")).expect("ENOTEMPTY");
            r.run(unlink("opq/new1")).expect("ok");
            r.run(rename("newdir", "opq")).expect("ok"); // an upper directory over a now-empty opaque one
            r.run(readdir("opq"));
            r.run(rename("onlywh", "opq/onlywh")).expect("ok");
            r.run(readdir("opq/onlywh")).expect("ok []");
            // over whiteouts
            r.run(rename("data/file2", "gonefile")).expect("ok");
            r.run(read("gonefile"));
            r.run(rename("private", "gone")).expect("ok"); // a lower directory onto a whited-out lower directory
            r.run(readdir("gone")).expect("ok [secret]");
            r.run(mkdir("private")).expect("ok");
            r.run(readdir("private")).expect("ok []");
            // hard links, symlinks, special files, long names
            r.run(rename("hard/a", "hard/c")).expect("ok");
            r.run(stat("hard/b"));
            r.run(stat("hard/c"));
            r.run(rename("link", "link2")).expect("ok");
            r.run(readlink("link2"));
            r.run(rename("dlink", "usr/dlink")).expect("ok");
            r.run(readlink("usr/dlink"));
            r.run(rename("fifo", "fifo2")).expect("ok");
            r.run(rename("chr", "etc/chr")).expect("ok");
            r.run(rename(LONG_NAME, "short")).expect("ok");
            r.run(rename("short", N256)).expect("ENAMETOOLONG");
            r.run(rename("short", N255)).expect("ok");
            r.run(rename("sparse", "data/sparse")).expect("ok");
            r.run(read("data/sparse"));
            r.run(rename("xdir", "xdir2")).expect("ok");
            r.run(mkdir("xdir")).expect("ok");
            r.run(listxattr("xdir2"));
            r.run(listxattr("xdir"));
            r.run(rename("typeswap", "typeswap2")).expect("EISDIR");
            r.run(rename("typeswap2", "typeswap")).expect("ENOTDIR");
            r.run(rename("deep", "deep2")).expect("ok");
            r.run(rename("deep2/d01/d02", "d02top")).expect("ok");
            r.run(readdir("deep2/d01"));
            r.run(read("d02top/d03/d04/d05/d06/d07/d08/d09/d10/d11/d12/d13/d14/d15/d16/leaf"));
            r.run(rename("etc", "etc2")).expect("ok");
            r.run(rename("usr", "etc2/usr")).expect("ok");
            r.run(readdir("etc2"));
            r.run(readdir("etc2/usr/lib"));
            r.run(rename("etc2", "etc")).expect("ok");
            r.run(readdir("etc/conf.d"));
            r.run(readdir(""));
        });
    }

    /** A hard-linked lower file copied up after a rename of its directory (redirect_dir): its names stay one file. */
    @Test
    void hardLinksBelowRenamedDirectories() throws Exception {
        script("hardlinks-renamed", r -> {
            r.run(rename("hard", "merged/moved")).expect("ok"); // both names move with their directory
            r.run(chmod("merged/moved/a", 0600)).expect("ok"); // copy-up through the redirect
            r.run(stat("merged/moved/a"));
            r.run(stat("merged/moved/b"));
            r.run(append("merged/moved/b", "b\n"));
            r.run(read("merged/moved/a"));
            r.run(rename("apart2", "elsewhere")).expect("ok"); // the other name's directory moves apart
            r.run(append("apart1/p", "p\n")).expect("ok");
            r.run(stat("apart1/p"));
            r.run(stat("elsewhere/q"));
            r.run(read("elsewhere/q"));
            r.run(unlink("elsewhere/q")).expect("ok");
            r.run(stat("apart1/p"));
        });
    }

    /** renameat2 flags: kernel overlayfs supports RENAME_NOREPLACE and RENAME_EXCHANGE. */
    @Test
    void renameat2Flags() throws Exception {
        Assumptions.assumeTrue(SELF_CHECK_OR_FLAGS.getAsBoolean(),
                "libfuse2's high-level API cannot pass renameat2 flags (the kernel answers EINVAL before Strata sees the call)");
        script("renameat2", r -> {
            r.run(renameat2("etc/motd", "etc/motd.new", Host.RENAME_NOREPLACE)).expect("ok");
            r.run(renameat2("etc/passwd", "etc/hosts", Host.RENAME_NOREPLACE)).expect("EEXIST");
            r.run(renameat2("etc/passwd", "etc/hosts", Host.RENAME_EXCHANGE));
            r.run(read("etc/passwd"));
            r.run(read("etc/hosts"));
        });
    }

    @Test
    void linksSymlinksAndSpecialFiles() throws Exception {
        script("links", r -> {
            r.run(link("hard2/x", "hard2/z")).expect("ok"); // a lower file that already has a lower hard link
            r.run(stat("hard2/x"));
            r.run(stat("hard2/y"));
            r.run(stat("hard2/z"));
            r.run(link("etc/motd", "motdlink")).expect("ok");
            r.run(append("motdlink", "+\n"));
            r.run(read("etc/motd"));
            r.run(stat("etc/motd"));
            r.run(write("newf", CREAT, "new\n"));
            r.run(link("newf", "newf2")).expect("ok");
            r.run(link("newf", "etc/newf3")).expect("ok");
            r.run(stat("newf"));
            r.run(unlink("newf2"));
            r.run(stat("newf"));
            r.run(link("etc", "etclink")).expect("EPERM");
            r.run(link("missing", "x")).expect("ENOENT");
            r.run(link("etc/passwd", "etc/motd")).expect("EEXIST");
            r.run(link("etc/passwd", "gonefile")).expect("ok"); // over a whiteout
            r.run(stat("gonefile"));
            r.run(link("etc/passwd", "nodir/x")).expect("ENOENT");
            r.run(link("etc/passwd", N256)).expect("ENAMETOOLONG");
            r.run(link("link", "link.hard")).expect("ok"); // a hard link to a symlink
            r.run(readlink("link.hard"));
            r.run(link("fifo", "fifo.hard")).expect("ok");
            r.run(link("hard/a", "hard/a2")).expect("ok");
            r.run(stat("hard/a"));
            r.run(stat("hard/b"));
            r.run(append("hard/b", "b\n"));
            r.run(stat("hard/b"));
            r.run(read("hard/a"));
            r.run(link("merged/fromL3", "merged/sub/fromL3.link")).expect("ok");
            r.run(link("data/file1", "ren/dir1/file1")).expect("ok"); // keeps xattrs
            r.run(listxattr("ren/dir1/file1"));
            // symlinks
            r.run(symlink("etc/passwd", "newlink")).expect("ok");
            r.run(readlink("newlink")).expect("ok \"etc/passwd\"");
            r.run(read("newlink"));
            r.run(symlink("nowhere2", "dangling2")).expect("ok");
            r.run(read("dangling2")).expect("ENOENT");
            r.run(symlink("x", "etc/motd")).expect("EEXIST");
            r.run(symlink("t", "gone")).expect("ok");
            r.run(readlink("gone"));
            r.run(symlink("t", N256)).expect("ENAMETOOLONG");
            r.run(symlink("a".repeat(4095), "longtarget")).expect("ok");
            r.run(readlink("longtarget"));
            r.run(symlink("a".repeat(4096), "toolongtarget")).expect("ENAMETOOLONG");
            r.run(symlink("", "emptytarget")).expect("ENOENT");
            r.run(readlink("etc/passwd")).expect("EINVAL");
            r.run(readlink("missing")).expect("ENOENT");
            r.run(readlink("link"));
            r.run(readlink("dlink"));
            r.run(readlink("abslink"));
            r.run(readlink("dangling"));
            r.run(read("dlink/bin/tool"));
            r.run(readdir("dlink"));
            r.run(readdir("dlink/"));
            r.run(stat("dlink/lib/libx.so"));
            r.run(lchown("link", 1000, 1000)).expect("ok");
            r.run(utimens("dlink", T1, 5));
            r.run(stat("link"));
            // special files
            r.run(mkfifo("newfifo")).expect("ok");
            r.run(stat("newfifo"));
            r.run(mkfifo("etc/passwd")).expect("EEXIST");
            r.run(mkfifo("gonefile2")).expect("ok");
            r.run(mknodChr("nullnode", 1, 3)).expect("ok");
            r.run(read("nullnode"));
            r.run(mknodChr("whiteoutnode", 0, 0));
            r.run(stat("whiteoutnode"));
            r.run(readdir(""));
            r.run(chmod("newfifo", 0600));
            r.run(chmod("fifo", 0600));
            r.run(lchown("chr", 1000, 1000));
            r.run(rename("newfifo", "etc/newfifo"));
        });
    }

    @Test
    void metadataAndMetacopy() throws Exception {
        script("metadata", r -> {
            r.run(chmod("etc/passwd", 0600)).expect("ok"); // metadata-only copy-up
            r.run(stat("etc/passwd"));
            r.run(read("etc/passwd"));
            r.run(append("etc/passwd", "now with data\n")).expect("ok");
            r.run(read("etc/passwd"));
            r.run(chmod("usr/lib/libx.so", 0700));
            r.run(truncate("usr/lib/libx.so", 10));
            r.run(read("usr/lib/libx.so"));
            r.run(lchown("data/file2", 1000, 100)).expect("ok");
            r.run(stat("data/file2"));
            r.run(read("data/file2"));
            r.run(utimens("data/file1", T1, 123456789)).expect("ok");
            r.run(listxattr("data/file1"));
            r.run(chmod("usr", 0700)).expect("ok"); // a directory
            r.run(readdir("usr"));
            r.run(lchown("usr/bin", 1000, 1000));
            r.run(utimens("merged", T2, 0)).expect("ok"); // a merged directory
            r.run(readdir("merged"));
            r.run(utimens("merged/sub", T3, 999));
            r.run(write("merged/sub/new", CREAT, "changes the mtime\n"));
            r.run(chmod("sparse", 0600)).expect("ok");
            r.run(stat("sparse"));
            r.run(rename("sparse", "sparse2")).expect("ok"); // a metacopy file renamed: redirect
            r.run(read("sparse2"));
            r.run(pwrite("sparse2", RDWR, 1, "z")).expect("ok"); // data copy-up through the redirect
            r.run(read("sparse2"));
            r.run(chmod("merged/fromL3", 0600));
            r.run(rename("merged/fromL3", "fromL3moved")).expect("ok");
            r.run(append("fromL3moved", "appended after rename\n")).expect("ok");
            r.run(read("fromL3moved"));
            r.run(chmod("ren/dir1/f", 0640));
            r.run(rename("ren/dir1", "ren/d1moved"));
            r.run(read("ren/d1moved/f"));
            r.run(append("ren/d1moved/f", "x\n"));
            r.run(read("ren/d1moved/f"));
            r.run(chmod("hard/a", 0600)); // metacopy of a file with a lower hard link
            r.run(stat("hard/a"));
            r.run(stat("hard/b"));
            r.run(chmod("etc/hosts", 04755)).expect("ok");
            r.run(stat("etc/hosts"));
            r.run(lchown("etc/hosts", 1000, 1000)).expect("ok");
            r.run(stat("etc/hosts")); // chown clears set-user-id
            r.run(chmod("usr/bin/tool", 02755));
            r.run(lchown("usr/bin/tool", -1, 100));
            r.run(stat("usr/bin/tool"));
            r.run(chmod("missing", 0644)).expect("ENOENT");
            r.run(chmod("etc/passwd/x", 0644)).expect("ENOTDIR");
            r.run(lchown("missing", 1, 1)).expect("ENOENT");
            r.run(utimens("missing", T1, 0)).expect("ENOENT");
            r.run(touch("etc/conf.d/a.conf")).expect("ok");
            r.run(utimens(DEEP + "/leaf", T3, 1)).expect("ok");
            r.run(chmod("link", 0600)).expect("ok"); // follows to etc/hosts
            r.run(stat("etc/hosts"));
            r.run(lchown("owned", 0, 0));
            r.run(chmod("private", 0755));
            r.run(readdir("private"));
            r.run(chmod("fifo", 0600));
            r.run(lchown("chr", 1000, 1000));
            r.run(utimens("chr", T2, 7));
            r.run(chmod("", 0711)).expect("ok");
            r.run(stat(""));
            r.run(chmod("typeswap", 0600));
            r.run(chmod("typeswap2", 0700));
            r.run(readdir("typeswap2"));
            r.run(chmod("merged", 0700));
            r.run(rename("merged", "merged2")).expect("ok");
            r.run(read("merged2/fromL2"));
            r.run(readdir("merged2"));
            r.run(readdir("merged2/sub"));
            r.run(chmod(LONG_NAME, 0400));
            r.run(utimens(LONG_NAME, T1, 0));
            r.run(chmod("opq", 0750));
            r.run(readdir("opq"));
            r.run(lchown("xdir", 1000, 1000));
            r.run(listxattr("xdir"));
            r.run(chmod("wide/f07", 0444));
            r.run(utimens("emptymerged", T2, 2));
            r.run(utimens("hard2/x", T3, 3));
            r.run(stat("hard2/y"));
        });
    }

    /**
     * A link of a metacopy file brings its data up (overlayfs keeps it metacopy): the times set since its copy-up stay,
     * also when its node was looked up before they were set (a random differential seed, 65515745302272: mtime
     * kernel=now, strata=the lower file's).
     */
    @Test
    void linkOfMetacopyFileKeepsTimes() throws Exception {
        script("metacopy-link-times", r -> {
            r.run(lchown("etc/passwd", 1000, 1000)).expect("ok"); // metadata-only copy-up
            r.run(read("etc/passwd")).expect("ok"); // looked up again: the union remembers it
            r.run(utimens("etc/passwd", T1, 5)).expect("ok");
            r.run(link("etc/passwd", "etc/passwd.link")).expect("ok");
            r.run(stat("etc/passwd.link"));
            r.run(read("etc/passwd.link"));
        });
    }

    /**
     * chown clears set-user-id of every non-directory, and set-group-id where the group may execute, as on any local
     * filesystem (a random differential seed with the block store as upper, 4831228873647: a fifo kept 2755).
     */
    @Test
    void chownClearsSetIdBitsOfNonDirectories() throws Exception {
        script("chown-setid", r -> {
            r.run(chmod("fifo", 02755)).expect("ok");
            r.run(lchown("fifo", 1000, 0)).expect("ok");
            r.run(stat("fifo"));
            r.run(chmod("chr", 06744)).expect("ok");
            r.run(lchown("chr", -1, 100)).expect("ok");
            r.run(stat("chr")); // set-group-id stays: the group may not execute
            r.run(mkfifo("newfifo")).expect("ok");
            r.run(chmod("newfifo", 04644)).expect("ok");
            r.run(lchown("newfifo", 1000, 1000)).expect("ok");
            r.run(stat("newfifo"));
            r.run(chmod("emptydir", 06755)).expect("ok");
            r.run(lchown("emptydir", 1000, 1000)).expect("ok");
            r.run(stat("emptydir")); // a directory keeps both
        });
    }

    @Test
    void extendedAttributes() throws Exception {
        script("xattrs", r -> {
            r.run(listxattr("data/file1")).expect("ok [trusted.test, user.color]");
            r.run(getxattr("data/file1", "user.color")).expect("ok \"red\"");
            r.run(getxattr("data/file1", "trusted.test")).expect("ok \"t3\"");
            r.run(getxattr("data/file1", "user.none")).expect("ENODATA");
            r.run(setxattr("data/file1", "user.color", "blue", 0)).expect("ok");
            r.run(getxattr("data/file1", "user.color")).expect("ok \"blue\"");
            r.run(listxattr("data/file1"));
            r.run(setxattr("data/file1", "user.new", "v", Host.XATTR_CREATE)).expect("ok");
            r.run(setxattr("data/file1", "user.new", "v", Host.XATTR_CREATE)).expect("EEXIST");
            r.run(setxattr("data/file1", "user.nonexist", "v", Host.XATTR_REPLACE)).expect("ENODATA");
            r.run(setxattr("data/file2", "user.nonexist", "v", Host.XATTR_REPLACE)).expect("ENODATA"); // lower
            r.run(setxattr("data/file2", "user.c", "v", Host.XATTR_CREATE)).expect("ok");
            r.run(removexattr("data/file1", "user.color")).expect("ok");
            r.run(removexattr("data/file1", "user.color")).expect("ENODATA");
            r.run(removexattr("data/file2", "user.none")).expect("ENODATA");
            r.run(removexattr("data/file1", "trusted.test")).expect("ok");
            r.run(listxattr("data/file1"));
            r.run(read("data/file1"));
            r.run(listxattr("xdir"));
            r.run(setxattr("xdir", "user.dirattr", "replaced", Host.XATTR_REPLACE)).expect("ok");
            r.run(listxattr("xdir"));
            r.run(readdir("xdir"));
            r.run(removexattr("xdir/f", "user.a")).expect("ok");
            r.run(getxattr("xdir/f", "user.b")).expect("ok \"2\"");
            r.run(setxattr("etc", "user.x", "1", 0)).expect("ok"); // a merged directory
            r.run(setxattr("", "user.root", "r", 0)).expect("ok");
            r.run(listxattr(""));
            r.run(setxattr("link", "user.x", "1", 0)).expect("EPERM");
            r.run(setxattr("fifo", "user.x", "1", 0)).expect("EPERM");
            r.run(setxattr("link", "trusted.x", "on a symlink", 0)).expect("ok");
            r.run(getxattr("link", "trusted.x"));
            r.run(listxattr("link"));
            r.run(setxattr("missing", "user.x", "1", 0)).expect("ENOENT");
            r.run(getxattr("missing", "user.x")).expect("ENOENT");
            r.run(listxattr("missing")).expect("ENOENT");
            r.run(setxattr("etc/passwd/x", "user.x", "1", 0)).expect("ENOTDIR");
            r.run(write("newfile", CREAT, "n"));
            r.run(setxattr("newfile", "user.big", "v".repeat(3000), 0)).expect("ok");
            r.run(getxattr("newfile", "user.big"));
            r.run(setxattr("etc/passwd", "user.empty", "", 0)).expect("ok");
            r.run(getxattr("etc/passwd", "user.empty")).expect("ok \"\"");
            r.run(setxattr("usr/lib/libx.so", "user.x", "kept", 0));
            r.run(append("usr/lib/libx.so", "data copy-up keeps xattrs"));
            r.run(getxattr("usr/lib/libx.so", "user.x")).expect("ok \"kept\"");
            r.run(setxattr("hard/a", "user.h", "1", 0)).expect("ok");
            r.run(getxattr("hard/b", "user.h"));
            r.run(setxattr("data/file2", "foo.bar", "1", 0)).expect("EOPNOTSUPP");
            r.run(setxattr("data/file2", "user." + "n".repeat(251), "1", 0)).expect("ERANGE");
            r.run(rename("ren/dir1", "ren/moved")).expect("ok");
            r.run(listxattr("ren/moved")).expect("ok []"); // its trusted.overlay.redirect stays hidden
            r.run(chmod("sparse", 0600));
            r.run(listxattr("sparse")).expect("ok []"); // trusted.overlay.metacopy stays hidden
            r.run(listxattr("opq")).expect("ok []"); // trusted.overlay.opaque stays hidden
            r.run(mkdir("gone")).expect("ok");
            r.run(listxattr("gone")).expect("ok []");
            // the overlay's own attributes are not for callers
            r.run(getxattr("opq", "trusted.overlay.opaque"));
            r.run(getxattr("ren/moved", "trusted.overlay.redirect"));
            r.run(setxattr("data/file2", "trusted.overlay.opaque", "y", 0));
            r.run(setxattr("emptydir", "trusted.overlay.opaque", "y", 0));
            r.run(removexattr("opq", "trusted.overlay.opaque"));
            r.run(readdir("opq"));
            r.run(readdir("emptydir"));
            // Strata's private namespace (trusted.strata.*) is an ordinary trusted.* name to the kernel
            r.run(setxattr("data/file2", "trusted.strata.ino", "1", 0));
            r.run(getxattr("etc/passwd", "trusted.strata.ino"));
        });
    }

    @Test
    void errorsAndNames() throws Exception {
        script("errors", r -> {
            r.run(stat("missing")).expect("ENOENT");
            r.run(stat("missing/x")).expect("ENOENT");
            r.run(stat("etc/passwd/x")).expect("ENOTDIR");
            r.run(stat("gone")).expect("ENOENT");
            r.run(stat("gone/x")).expect("ENOENT");
            r.run(stat("opq/old1")).expect("ENOENT");
            r.run(stat("opq/sub")).expect("ENOENT");
            r.run(stat("etc/conf.d/b.conf")).expect("ENOENT");
            r.run(stat("onlywh/x")).expect("ENOENT");
            r.run(stat("typeswap/inner")).expect("ENOTDIR");
            r.run(stat("typeswap2/inner")).expect("ok");
            r.run(mkdir("etc/passwd/x")).expect("ENOTDIR");
            r.run(mkdir("missing/x")).expect("ENOENT");
            r.run(mkdir("etc")).expect("EEXIST");
            r.run(mkdir("etc/motd")).expect("EEXIST");
            r.run(mkdir("link")).expect("EEXIST");
            r.run(mkdir("dangling")).expect("EEXIST");
            r.run(mkdir("opq/sub")).expect("ok");
            r.run(readdir("opq/sub")).expect("ok []");
            r.run(mkdir("onlywh/x")).expect("ok");
            r.run(readdir("onlywh"));
            // NAME_MAX
            r.run(mkdir(N255)).expect("ok");
            r.run(mkdir(N255 + "/" + N255)).expect("ok");
            r.run(write(N255 + "/" + N255 + "/" + LONG_NAME, CREAT, "x")).expect("ok");
            r.run(mkdir(N256)).expect("ENAMETOOLONG");
            r.run(stat(N256)).expect("ENAMETOOLONG");
            r.run(stat("etc/" + N256)).expect("ENAMETOOLONG");
            r.run(unlink(N256)).expect("ENAMETOOLONG");
            r.run(rmdir(N256)).expect("ENAMETOOLONG");
            r.run(rename(LONG_NAME, N256)).expect("ENAMETOOLONG");
            r.run(rename(N256, "x")).expect("ENAMETOOLONG");
            r.run(link(LONG_NAME, N256)).expect("ENAMETOOLONG");
            r.run(mkfifo(N256)).expect("ENAMETOOLONG");
            r.run(setxattr(N256, "user.x", "1", 0)).expect("ENAMETOOLONG");
            String e127 = "\u00e9".repeat(127); // 254 bytes in UTF-8
            r.run(write(e127 + "a", CREAT, "255 bytes")).expect("ok");
            r.run(write(e127 + "ab", CREAT, "256 bytes")).expect("ENAMETOOLONG");
            r.run(mkdir("\u00e9".repeat(128))).expect("ENAMETOOLONG");
            r.run(write(LONG_NAME + "/x", CREAT, "x")).expect("ENOTDIR");
            r.run(rename("etc/motd", "missing/x")).expect("ENOENT");
            r.run(rename("etc/motd", "etc/passwd/x")).expect("ENOTDIR");
            r.run(rename("etc/passwd/x", "y")).expect("ENOTDIR");
            r.run(readdir("etc/passwd")).expect("ENOTDIR");
            r.run(readdir("missing")).expect("ENOENT");
            r.run(readdir("gone")).expect("ENOENT");
            r.run(readlink("etc")).expect("EINVAL");
            r.run(getxattr("missing", "user.x")).expect("ENOENT");
            r.run(unlink("gone/x")).expect("ENOENT");
            r.run(read("typeswap2")).expect("EISDIR");
            r.run(read("emptydir")).expect("EISDIR");
            r.run(read("opq/old1")).expect("ENOENT");
            // OCI-looking names are ordinary names when made through the mount
            r.run(write(".wh.foo", CREAT, "not a whiteout\n")).expect("ok");
            r.run(mkdir(".wh..wh..opq")).expect("ok");
            r.run(write("etc/.wh.passwd", CREAT, "x")).expect("ok");
            r.run(stat("etc/passwd")).expect("ok");
            r.run(readdir(""));
            r.run(readdir("etc"));
            // a deep new path
            String p = "new";
            for (int i = 0; i < 30; i++) {
                r.run(mkdir(p)).expect("ok");
                p += "/n" + i;
            }
            r.run(write(p, CREAT, "bottom")).expect("ok");
            r.run(read(p));
            r.run(rename("new", DEEP + "/new")).expect("ok");
            r.run(readdir(DEEP));
            // everything readable at the end
            r.run(readdir("merged"));
            r.run(readdir("merged/sub"));
            r.run(readdir("ren/dir1"));
            r.run(readdir("wide"));
            r.run(read("sparse"));
            r.run(read(LONG_NAME));
        });
    }
}
