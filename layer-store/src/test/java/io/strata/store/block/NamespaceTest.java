package io.strata.store.block;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.writable.WritableLayer;
import io.strata.core.writable.WritableLayer.Entry;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Directory operations of the block layer: the errno of each refusal, link counts, whiteouts and opaque marks. */
class NamespaceTest {
    private interface Body {
        void run(BlockStore store, BlockLayer l, long root) throws Exception;
    }

    private static void withLayer(Body b) throws Exception {
        Path dir = TempDirs.create("ns");
        try (BlockStore store = BlockStore.open(dir.resolve("db"), MemoryBudget.SMALL)) {
            store.createContainer("c", "");
            try (BlockLayer l = store.openLayer("c")) {
                b.run(store, l, l.rootIno());
            }
        } finally {
            TempDirs.delete(dir);
        }
    }

    private static void assertErrno(Errno e, org.junit.jupiter.api.function.Executable x) {
        FsException ex = assertThrows(FsException.class, x);
        assertEquals(e, ex.errno(), ex.getMessage());
    }

    @Test
    void createLookupAndRefusals() throws Exception {
        withLayer((s, l, root) -> {
            Entry f = l.create(root, "f", 0100640, 7, 8, 0);
            assertEquals(f.ino(), l.lookup(root, "f").ino());
            assertEquals(0100640, l.getattr(f.ino()).mode());
            assertEquals(7, l.getattr(f.ino()).uid());
            assertErrno(Errno.EEXIST, () -> l.create(root, "f", 0100644, 0, 0, 0));
            assertErrno(Errno.EEXIST, () -> l.mkdir(root, "f", 0755, 0, 0));
            assertErrno(Errno.ENOENT, () -> l.lookup(root, "nope"));
            assertErrno(Errno.ENOTDIR, () -> l.lookup(f.ino(), "x"));
            assertErrno(Errno.ENAMETOOLONG, () -> l.create(root, "x".repeat(256), 0100644, 0, 0, 0));
            l.create(root, "y".repeat(255), 0100644, 0, 0, 0);
            assertErrno(Errno.EISDIR, () -> l.read(root, 0, new byte[1], 0, 1));
            Entry fifo = l.create(root, "p", 0010644, 0, 0, 0);
            assertEquals(0010000, fifo.type());
            Entry dev = l.create(root, "d", 0020600, 0, 0, 0x0501);
            assertEquals(0x0501, l.getattr(dev.ino()).rdev());
        });
    }

    @Test
    void directoriesCountLinksAndRefuseToBeRemovedWhileFull() throws Exception {
        withLayer((s, l, root) -> {
            long nlink = l.getattr(root).nlink();
            Entry a = l.mkdir(root, "a", 0755, 0, 0);
            assertEquals(nlink + 1, l.getattr(root).nlink());
            l.mkdir(a.ino(), "b", 0755, 0, 0);
            assertEquals(3, l.getattr(a.ino()).nlink());
            assertErrno(Errno.ENOTEMPTY, () -> l.rmdir(root, "a"));
            assertErrno(Errno.EISDIR, () -> l.unlink(root, "a"));
            l.rmdir(a.ino(), "b");
            l.whiteout(a.ino(), "gone"); // whiteouts alone do not keep a directory
            l.rmdir(root, "a");
            assertEquals(nlink, l.getattr(root).nlink());
            assertErrno(Errno.ENOENT, () -> l.getattr(a.ino()));
            Entry f = l.create(root, "f", 0100644, 0, 0, 0);
            assertErrno(Errno.ENOTDIR, () -> l.rmdir(root, "f"));
            assertErrno(Errno.ENOENT, () -> l.rmdir(root, "none"));
            assertTrue(l.getattr(f.ino()).isRegular());
        });
    }

    @Test
    void hardLinksShareDataAndTheLastUnlinkFreesIt() throws Exception {
        withLayer((s, l, root) -> {
            Entry f = l.create(root, "f", 0100644, 0, 0, 0);
            byte[] data = new byte[100_000];
            new java.util.Random(3).nextBytes(data);
            l.write(f.ino(), 0, data, 0, data.length);
            Entry d = l.mkdir(root, "d", 0755, 0, 0);
            l.link(f.ino(), d.ino(), "g");
            assertEquals(2, l.getattr(f.ino()).nlink());
            assertErrno(Errno.EPERM, () -> l.link(d.ino(), root, "dl"));
            assertErrno(Errno.EEXIST, () -> l.link(f.ino(), root, "f"));
            l.unlink(root, "f");
            assertEquals(1, l.getattr(f.ino()).nlink());
            assertArrayEquals(data, BlockMapModelTest.readAll(l, l.lookup(d.ino(), "g").ino()));
            long before = s.df().containers().get(0).exclusive();
            assertTrue(before >= data.length, "df counts the file's data: " + before);
            l.unlink(d.ino(), "g");
            assertErrno(Errno.ENOENT, () -> l.getattr(f.ino()));
            assertEquals(0, s.df().containers().get(0).exclusive(), "the last unlink frees the data");
        });
    }

    @Test
    void renameFollowsPosix() throws Exception {
        withLayer((s, l, root) -> {
            Entry a = l.mkdir(root, "a", 0755, 0, 0);
            Entry b = l.mkdir(root, "b", 0755, 0, 0);
            Entry f = l.create(a.ino(), "f", 0100644, 0, 0, 0);
            Entry g = l.create(b.ino(), "g", 0100644, 0, 0, 0);
            l.rename(a.ino(), "f", b.ino(), "g", 0); // replaces g
            assertEquals(f.ino(), l.lookup(b.ino(), "g").ino());
            assertErrno(Errno.ENOENT, () -> l.getattr(g.ino()));
            assertErrno(Errno.ENOENT, () -> l.lookup(a.ino(), "f"));
            l.create(a.ino(), "h", 0100644, 0, 0, 0);
            assertErrno(Errno.EEXIST, () -> l.rename(a.ino(), "h", b.ino(), "g", WritableLayer.RENAME_NOREPLACE));
            assertErrno(Errno.EISDIR, () -> l.rename(a.ino(), "h", root, "b", 0));
            assertErrno(Errno.ENOTDIR, () -> l.rename(root, "b", a.ino(), "h", 0));
            assertErrno(Errno.EINVAL, () -> l.rename(root, "a", a.ino(), "inside", 0));
            Entry sub = l.mkdir(a.ino(), "sub", 0755, 0, 0);
            assertErrno(Errno.EINVAL, () -> l.rename(root, "a", sub.ino(), "deeper", 0));
            assertErrno(Errno.ENOTEMPTY, () -> l.rename(root, "b", root, "a", 0));
            long rootLinks = l.getattr(root).nlink();
            l.rename(a.ino(), "sub", b.ino(), "sub2", 0);
            assertEquals(2, l.getattr(a.ino()).nlink());
            assertEquals(3, l.getattr(b.ino()).nlink());
            assertEquals(rootLinks, l.getattr(root).nlink());
            l.rename(b.ino(), "sub2", root, "top", BlockLayer.RENAME_WHITEOUT);
            assertTrue(l.lookup(b.ino(), "sub2").whiteout(), "RENAME_WHITEOUT leaves a whiteout");
            assertEquals(sub.ino(), l.lookup(root, "top").ino());
            List<String> names = l.readdir(root).stream().map(Entry::name).toList();
            assertEquals(List.of("a", "b", "top"), names);
        });
    }

    @Test
    void renameExchangeSwapsTwoNamesInOneBatch() throws Exception {
        withLayer((s, l, root) -> {
            Entry a = l.mkdir(root, "a", 0755, 0, 0);
            Entry b = l.mkdir(root, "b", 0755, 0, 0);
            Entry f = l.create(a.ino(), "f", 0100644, 0, 0, 0);
            Entry d = l.mkdir(b.ino(), "d", 0755, 0, 0);
            l.rename(a.ino(), "f", b.ino(), "d", WritableLayer.RENAME_EXCHANGE); // a file and a directory swap
            assertEquals(d.ino(), l.lookup(a.ino(), "f").ino());
            assertEquals(f.ino(), l.lookup(b.ino(), "d").ino());
            assertEquals(3, l.getattr(a.ino()).nlink(), "the directory moved in: a gains a link");
            assertEquals(2, l.getattr(b.ino()).nlink(), "and b loses one");
            assertErrno(Errno.ENOENT, () -> l.rename(a.ino(), "f", b.ino(), "missing", WritableLayer.RENAME_EXCHANGE));
            l.create(d.ino(), "x", 0100644, 0, 0, 0);
            assertErrno(Errno.EINVAL, () -> l.rename(root, "a", d.ino(), "x", WritableLayer.RENAME_EXCHANGE));
            assertErrno(Errno.EINVAL, () -> l.rename(a.ino(), "f", b.ino(), "d",
                    WritableLayer.RENAME_EXCHANGE | WritableLayer.RENAME_NOREPLACE));
            l.rename(root, "a", root, "b", WritableLayer.RENAME_EXCHANGE);
            assertEquals(b.ino(), l.lookup(root, "a").ino());
            assertEquals(a.ino(), l.lookup(root, "b").ino());
        });
    }

    @Test
    void whiteoutsOpaqueSymlinksAndXattrs() throws Exception {
        withLayer((s, l, root) -> {
            l.whiteout(root, "lowerfile");
            Entry w = l.lookup(root, "lowerfile");
            assertTrue(w.whiteout());
            Entry f = l.create(root, "lowerfile", 0100644, 0, 0, 0); // replaces the whiteout
            assertFalse(l.lookup(root, "lowerfile").whiteout());
            l.whiteout(root, "lowerfile"); // and back: the file is gone with its last link
            assertErrno(Errno.ENOENT, () -> l.getattr(f.ino()));
            Entry d = l.mkdir(root, "d", 0755, 0, 0);
            assertErrno(Errno.EISDIR, () -> l.whiteout(root, "d"));
            assertFalse(l.isOpaque(d.ino()));
            l.setOpaque(d.ino(), true);
            assertTrue(l.isOpaque(d.ino()));
            Entry sl = l.symlink(root, "sl", "../target/x", 0, 0);
            assertEquals("../target/x", l.readlink(sl.ino()));
            assertEquals(0120777, l.getattr(sl.ino()).mode());
            assertErrno(Errno.EINVAL, () -> l.readlink(d.ino()));
            l.setxattr(d.ino(), "user.k", "v".getBytes(StandardCharsets.UTF_8), 0);
            assertErrno(Errno.EEXIST, () -> l.setxattr(d.ino(), "user.k", new byte[0], WritableLayer.XATTR_CREATE));
            assertErrno(Errno.ENODATA, () -> l.setxattr(d.ino(), "user.z", new byte[0], WritableLayer.XATTR_REPLACE));
            assertArrayEquals("v".getBytes(StandardCharsets.UTF_8), l.getxattr(d.ino(), "user.k"));
            assertEquals(List.of("user.k"), l.listxattr(d.ino()));
            l.removexattr(d.ino(), "user.k");
            assertErrno(Errno.ENODATA, () -> l.getxattr(d.ino(), "user.k"));
            l.chmod(d.ino(), 0700);
            assertEquals(040700, l.getattr(d.ino()).mode());
            l.chown(d.ino(), 5, -1);
            assertEquals(5, l.getattr(d.ino()).uid());
            l.utimens(d.ino(), 100, 5, 200, 6);
            assertEquals(200, l.getattr(d.ino()).mtimeSec());
            assertEquals(6, l.getattr(d.ino()).mtimeNsec());
            assertEquals(100, l.getattr(d.ino()).atimeSec());
        });
    }

    @Test
    void snapshotViewsAreReadOnly() throws Exception {
        withLayer((s, l, root) -> {
            l.create(root, "f", 0100644, 0, 0, 0);
            s.createSnapshot("c", "s1");
            try (BlockLayer view = s.openSnapshot("c", "s1")) {
                assertErrno(Errno.EROFS, () -> view.create(root, "g", 0100644, 0, 0, 0));
                assertEquals(1, view.readdir(root).size());
                assertErrno(Errno.EBUSY, () -> s.removeSnapshot("c", "s1"));
            }
            assertErrno(Errno.EBUSY, () -> s.openLayer("c")); // one writer per container
            assertErrno(Errno.EBUSY, () -> s.restore("c", "s1"));
            assertErrno(Errno.EEXIST, () -> s.createSnapshot("c", "s1"));
            assertErrno(Errno.EINVAL, () -> s.createSnapshot("c", "bad/name"));
        });
    }
}
