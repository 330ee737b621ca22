package io.strata.fuse.usage;

import io.strata.core.host.Host;
import io.strata.core.layer.LayerStack;
import io.strata.core.layerfs.HostFs;
import io.strata.core.options.LayerDirs;
import io.strata.core.options.MountOptions;
import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.core.union.UnionFs;
import io.strata.core.usage.DiskUsage;
import io.strata.core.usage.UpperUsage;
import io.strata.core.usage.UsageFile;
import io.strata.fuse.FuseMount;
import io.strata.fuse.MountTable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Usage counters of an upper ({@code usage=on}) against containerd's walk (DiskUsage) of the same upper, after a
 * scripted workload through a real mount, after a clean remount, and after a server that died without saving.
 */
class UsageCountingMountTest {
    @TempDir
    Path base;
    Path mnt;
    FuseMount mount;
    UpperUsage usage;

    @BeforeEach
    void layers() throws Exception {
        Trees.at(base.resolve("lower1")).file("etc/motd", "hello\n").file("big", "x".repeat(300_000))
                .file("d/a", "a").file("d/sub/deep", "deep").file("old", "old");
        Trees.at(base.resolve("lower2")).file("etc/passwd", "root:x:0:0\n").file("d/b", "b".repeat(20_000));
        Files.createLink(base.resolve("lower1/big2"), base.resolve("lower1/big"));
        mnt = Files.createDirectories(base.resolve("mnt"));
    }

    private void mountCounting() throws Exception {
        Trees.at(base.resolve("upper"));
        Trees.at(base.resolve("work"));
        MountOptions o = MountOptions.parse(List.of(Unions.options(base, 2, true, "usage=on")));
        LayerStack stack = LayerDirs.open(o);
        usage = UpperUsage.of(stack).orElseThrow();
        mount = FuseMount.start(new UnionFs(stack), o, mnt, "usage-test");
    }

    /** Unmounts and saves, as the servers do when their mount ends. */
    private void unmount() {
        try {
            if (mount != null) mount.close();
        } finally {
            mount = null;
            if (usage != null) usage.close();
            usage = null;
        }
    }

    @AfterEach
    void cleanUp() {
        unmount();
        assertFalse(MountTable.isMounted(mnt), "the test's mount is gone");
    }

    private DiskUsage.Usage walk() throws Exception {
        return DiskUsage.of(HostFs.INSTANCE, base.resolve("upper").toString());
    }

    private void assertCountersWalk(String when) throws Exception {
        assertEquals(walk(), usage.current(), "counters against a walk of the upper, " + when);
    }

    private static void write(Path p, long offset, int length) throws Exception {
        try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("y".repeat(length).getBytes(StandardCharsets.US_ASCII)), offset);
        }
    }

    @Test
    void countersEqualTheWalkAfterAWorkloadThroughTheMountAndAfterRestarts() throws Exception {
        mountCounting();
        assertCountersWalk("at the first mount (a walk of the empty upper)");
        // creates: files of several sizes and 300 names in one directory (it grows by blocks)
        Files.createDirectories(mnt.resolve("new/many"));
        for (int i = 0; i < 300; i++) Files.writeString(mnt.resolve("new/many/file-with-a-longish-name-" + i), "n" + i);
        write(mnt.resolve("new/large"), 0, 1 << 20);
        Files.createSymbolicLink(mnt.resolve("new/link"), Path.of("large"));
        assertCountersWalk("after creates");
        // appends, sparse writes, truncates, fallocate and a punched hole
        Files.writeString(mnt.resolve("new/large"), "tail", StandardOpenOption.APPEND);
        write(mnt.resolve("new/sparse"), 64L << 20, 10);
        write(mnt.resolve("new/sparse"), 8L << 20, 100_000);
        try (RandomAccessFile r = new RandomAccessFile(mnt.resolve("new/large").toFile(), "rw")) {
            r.setLength(100_000);
            r.setLength(5_000_000);
        }
        int fd = Host.open(mnt.resolve("new/alloc").toString(), Host.O_RDWR | Host.O_CREAT, 0644);
        try {
            Host.fallocate(fd, 0, 0, 2 << 20);
            Host.fallocate(fd, 3, 1 << 20, 512 << 10); // FALLOC_FL_PUNCH_HOLE | FALLOC_FL_KEEP_SIZE
        } finally {
            Host.close(fd);
        }
        assertCountersWalk("after appends, sparse writes, truncates and fallocate");
        // copy-ups of lower files: data, metadata only (metacopy), a hard-linked pair, a renamed lower directory
        Files.writeString(mnt.resolve("etc/passwd"), "user:x:1000:1000\n", StandardOpenOption.APPEND);
        Files.setLastModifiedTime(mnt.resolve("etc/motd"), java.nio.file.attribute.FileTime.fromMillis(0));
        write(mnt.resolve("big"), 4096, 10);
        Files.move(mnt.resolve("d"), mnt.resolve("d-moved"));
        Host.setxattr(mnt.resolve("new/large").toString(), "user.big", new byte[3000], 0); // beyond the inode: a block
        assertCountersWalk("after copy-ups");
        // unlinks (whiteouts of lower files, upper files, a tree), hard links, renames over files
        Files.delete(mnt.resolve("old"));
        Files.delete(mnt.resolve("d-moved/sub/deep"));
        for (int i = 0; i < 300; i += 2) Files.delete(mnt.resolve("new/many/file-with-a-longish-name-" + i));
        Files.createLink(mnt.resolve("new/large-link"), mnt.resolve("new/large"));
        Files.createLink(mnt.resolve("motd-link"), mnt.resolve("etc/motd"));
        Files.delete(mnt.resolve("big2"));
        Files.move(mnt.resolve("new/sparse"), mnt.resolve("new/alloc"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(mnt.resolve("new/large-link"), mnt.resolve("new/large"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        Files.move(mnt.resolve("etc/passwd"), mnt.resolve("new/many/file-with-a-longish-name-1"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        assertCountersWalk("after unlinks, links and renames");
        // a file written after its last name went: not in the walk, not in the counters
        try (FileChannel ch = FileChannel.open(mnt.resolve("scratch"), StandardOpenOption.CREATE_NEW,
                StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[100_000]));
            Files.delete(mnt.resolve("scratch"));
            ch.write(ByteBuffer.wrap(new byte[300_000]));
            ch.force(true);
            assertCountersWalk("with an unlinked file open");
        }
        Files.delete(mnt.resolve("new/alloc"));
        try (var s = Files.list(mnt.resolve("new/many"))) {
            for (Path p : s.toList()) Files.delete(p);
        }
        Files.delete(mnt.resolve("new/many"));
        assertCountersWalk("after removing a tree");
        DiskUsage.Usage before = usage.current();
        unmount();

        // a clean restart: the saved counters are taken as they are (no walk) and still equal one
        assertTrue(UsageFile.read(base.resolve("work").toString(), base.resolve("upper").toString()).orElseThrow().clean());
        mountCounting();
        assertEquals(before, usage.current(), "the counters saved at unmount");
        assertCountersWalk("after a clean remount");
        write(mnt.resolve("after-restart"), 0, 50_000);
        Files.delete(mnt.resolve("etc/motd"));
        assertCountersWalk("after changes in the second mount");
        unmount();

        // a server that died while serving leaves a live save of a dead process: the next mount walks
        Path file = UsageFile.of(base.resolve("work").toString());
        Process dead = new ProcessBuilder("true").start();
        dead.waitFor();
        String live = Files.readString(file).replace("state=clean", "state=live").replace("bytes=", "bytes=1")
                + "pid=" + dead.pid() + "\nstart=0\n";
        Files.writeString(file, live);
        Files.writeString(base.resolve("upper/written-behind"), "z".repeat(70_000)); // what the dead server wrote last
        mountCounting();
        assertCountersWalk("after a crash (a walk)");
        unmount();

        // a clean save with the upper changed behind it (its root's entries): not trusted either
        Files.delete(base.resolve("upper/written-behind"));
        mountCounting();
        assertCountersWalk("after a change behind a clean save");
    }
}
