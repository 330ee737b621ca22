package io.strata.store.block.union;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.testing.Trees;
import io.strata.core.union.Caller;
import io.strata.core.union.UnionFile;
import io.strata.core.union.UnionFs;
import io.strata.store.block.BlockStore;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.space.Space;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The union's semantics with a block layer as its writable layer: the same code as over an upper directory. */
class BlockUnionTest {
    @TempDir
    Path base;

    private interface Body {
        void run(BlockStore store, UnionFs fs) throws Exception;
    }

    private void withUnion(Body b) throws Exception {
        try (BlockStore store = BlockStore.open(base.resolve("db"), MemoryBudget.SMALL)) {
            if (store.containers().isEmpty()) store.createContainer("c", base.resolve("lower").toString());
            try (BlockLayer layer = store.openLayer("c")) {
                b.run(store, BlockUnion.open(layer, base, List.of(base.resolve("lower").toString()), true));
            }
        }
    }

    private static String read(UnionFs fs, String path) throws FsException {
        try (UnionFile f = fs.open(path, Host.O_RDONLY)) {
            byte[] b = new byte[(int) f.stat().size()];
            int n = f.read(b, b.length, 0);
            return new String(b, 0, Math.max(n, 0), StandardCharsets.UTF_8);
        }
    }

    private static long exclusive(BlockStore store) throws FsException {
        for (Space.Usage u : store.df().containers()) if (u.name().equals("c")) return u.exclusive();
        throw new AssertionError("no container c in df");
    }

    @Test
    void oneByteIntoABigLowerFileStoresAboutOneBlockAndReadsFallThrough() throws Exception {
        byte[] big = new byte[32 << 20];
        new Random(3).nextBytes(big);
        Trees.at(base.resolve("lower")).dir("d");
        Files.write(base.resolve("lower/d/big"), big);
        withUnion((store, fs) -> {
            try (UnionFile f = fs.open("d/big", Host.O_WRONLY)) {
                f.write(new byte[] {42}, 1, 10 << 20);
                f.fsync(false);
            }
            big[10 << 20] = 42;
            try (UnionFile f = fs.open("d/big", Host.O_RDONLY)) {
                byte[] got = new byte[big.length];
                int off = 0;
                while (off < got.length) {
                    byte[] chunk = new byte[1 << 20];
                    int n = f.read(chunk, chunk.length, off);
                    System.arraycopy(chunk, 0, got, off, n);
                    off += n;
                }
                assertArrayEquals(big, got, "unwritten blocks come from the lower file");
            }
            assertTrue(exclusive(store) < (1 << 20), "the store grew by about one block, not 32 MiB: " + exclusive(store));
            assertEquals(big.length, fs.getattr("d/big").size());
        });
        withUnion((store, fs) -> {
            try (UnionFile f = fs.open("d/big", Host.O_RDONLY)) {
                byte[] one = new byte[3];
                f.read(one, 3, (10 << 20) - 1);
                assertArrayEquals(new byte[] {big[(10 << 20) - 1], 42, big[(10 << 20) + 1]}, one, "and after a reopen");
            }
        });
    }

    @Test
    void whiteoutsOpaqueDirsRedirectsAndHardLinksLiveInTheBlockLayer() throws Exception {
        Trees.at(base.resolve("lower")).file("etc/passwd", "root").file("etc/hosts", "h").file("dir/a", "a")
                .file("dir/sub/b", "b").file("h/x", "shared");
        Files.createLink(base.resolve("lower/h/y"), base.resolve("lower/h/x"));
        withUnion((store, fs) -> {
            fs.unlink("etc/hosts");
            assertEquals(Errno.ENOENT, errno(() -> fs.getattr("etc/hosts")));
            assertEquals(List.of("passwd"), fs.readdir("etc"));
            fs.unlink("dir/sub/b");
            fs.rmdir("dir/sub");
            fs.mkdir("dir/sub", 0755, Caller.ROOT);
            assertEquals(List.of(), fs.readdir("dir/sub"), "a directory made over a deleted one is opaque");
            fs.rename("dir", "moved", 0);
            assertEquals("a", read(fs, "moved/a"), "a renamed lower directory still merges (redirect)");
            assertEquals(Errno.ENOENT, errno(() -> fs.getattr("dir")));
            long ino = fs.getattr("h/x").ino();
            fs.chmod("h/x", 0600);
            try (UnionFile f = fs.open("h/y", Host.O_WRONLY | Host.O_APPEND)) {
                f.write(" more".getBytes(), 5, 0);
            }
            assertEquals("shared more", read(fs, "h/x"), "a hard-linked lower file stays one file");
            assertEquals(fs.getattr("h/x").ino(), fs.getattr("h/y").ino());
            assertEquals(ino, fs.getattr("h/y").ino(), "and keeps its inode number");
            assertEquals(0600, fs.getattr("h/y").perms());
            assertEquals(2, fs.getattr("h/x").nlink());
        });
        withUnion((store, fs) -> {
            assertEquals(List.of("passwd"), fs.readdir("etc"), "all of it persists in the store");
            assertEquals(List.of(), fs.readdir("moved/sub"));
            assertEquals("shared more", read(fs, "h/y"));
        });
    }

    private interface Call {
        void run() throws FsException;
    }

    private static Errno errno(Call c) {
        return assertThrows(FsException.class, c::run).errno();
    }
}
