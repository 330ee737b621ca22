package io.strata.fuse;

import io.strata.core.host.Host;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.core.union.UnionFs;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The union through a real FUSE mount: what a program sees with ordinary system calls. */
public class FuseMountTest {
    @TempDir
    protected Path base;
    protected Path mnt;
    protected FuseMount mount;

    @BeforeEach
    protected void mount() throws Exception {
        Trees.at(base.resolve("lower1")).file("etc/motd", "hello\n").file("d/a", "a").file("old", "old");
        Trees.at(base.resolve("lower2")).file("etc/passwd", "root:x:0:0\n").file("d/b", "b");
        mnt = Files.createDirectories(base.resolve("mnt"));
        UnionFs fs = Unions.open(base, 2, true, "");
        mount = FuseMount.start(fs, MountOptions.parse(List.of(Unions.options(base, 2, true, "") + extraOptions())), mnt, "test");
    }

    /** More -o options for the mount, e.g. ",passthrough" (a subclass's variant of the same checks). */
    protected String extraOptions() {
        return "";
    }

    @AfterEach
    protected void unmount() {
        if (mount != null) mount.close();
        assertFalse(MountTable.isMounted(mnt), "the test's mount is gone");
    }

    protected static List<String> ls(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    public void readsMergesCopiesUpAndWhitesOutThroughTheKernel() throws Exception {
        assertEquals("fuse.strata", MountTable.typeAt(mnt));
        assertEquals(List.of("d", "etc", "old"), ls(mnt));
        assertEquals(List.of("a", "b"), ls(mnt.resolve("d")));
        assertEquals("root:x:0:0\n", Files.readString(mnt.resolve("etc/passwd")));
        long ino = (long) Files.getAttribute(mnt.resolve("etc/passwd"), "unix:ino");
        Files.writeString(mnt.resolve("etc/passwd"), "user:x:1000:1000\n", StandardOpenOption.APPEND);
        assertEquals("root:x:0:0\nuser:x:1000:1000\n", Files.readString(mnt.resolve("etc/passwd")));
        assertEquals("root:x:0:0\n", Files.readString(base.resolve("lower2/etc/passwd")));
        assertEquals(ino, (long) Files.getAttribute(mnt.resolve("etc/passwd"), "unix:ino"), "st_ino survives copy-up");
        Files.delete(mnt.resolve("old"));
        assertFalse(Files.exists(mnt.resolve("old")));
        assertTrue(Host.lstat(base.resolve("upper/old").toString()).isCharDevice());
    }

    @Test
    public void anUnlinkedOpenFileKeepsWorking() throws Exception {
        Path f = mnt.resolve("scratch");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("data".getBytes()));
            Files.delete(f);
            assertFalse(Files.exists(f));
            ch.write(ByteBuffer.wrap("more".getBytes()));
            ch.force(true);
            ByteBuffer b = ByteBuffer.allocate(8);
            ch.read(b, 0);
            assertEquals("datamore", new String(b.array()));
        }
        assertEquals(List.of(), ls(base.resolve("upper")).stream().filter(n -> n.startsWith(".fuse_hidden")).toList());
    }

    @Test
    public void largeSparseAndLongNames() throws Exception {
        String n255 = "x".repeat(255);
        Files.writeString(mnt.resolve(n255), "long");
        assertEquals("long", Files.readString(mnt.resolve(n255)));
        assertThrows(java.nio.file.FileSystemException.class, () -> Files.writeString(mnt.resolve("y".repeat(256)), "no"));
        try (RandomAccessFile r = new RandomAccessFile(mnt.resolve("sparse").toFile(), "rw")) {
            r.seek(1L << 30);
            r.write(1);
        }
        assertEquals((1L << 30) + 1, Files.size(mnt.resolve("sparse")));
        assertTrue((long) Files.getAttribute(base.resolve("upper/sparse"), "unix:size") > 0);
        byte[] big = new byte[3 << 20];
        new java.util.Random(1).nextBytes(big);
        Files.write(mnt.resolve("big"), big);
        assertTrue(java.util.Arrays.equals(big, Files.readAllBytes(mnt.resolve("big"))));
    }
}
