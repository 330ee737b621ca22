package io.strata.fuse.ll;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.fuse.FuseMountTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The low-level adapter through a real mount: everything FuseMountTest checks, and what only it can do (one kernel
 * inode for all names of a file, renameat2 flags, readdirplus).
 */
class LowLevelMountTest extends FuseMountTest {
    private static String before;

    @BeforeAll
    static void lowLevel() {
        before = System.getProperty("strata.fuse.api");
        System.setProperty("strata.fuse.api", "ll");
    }

    @AfterAll
    static void restore() {
        if (before == null) System.clearProperty("strata.fuse.api");
        else System.setProperty("strata.fuse.api", before);
    }

    private static long nlink(Path p) throws Exception {
        return ((Number) Files.getAttribute(p, "unix:nlink")).longValue();
    }

    @Test
    void hardLinkedNamesSeeEachOthersNlinkSizeAndDataAtOnce() throws Exception {
        Path a = mnt.resolve("a"), b = mnt.resolve("d/c");
        Files.writeString(a, "one");
        assertEquals(1, nlink(a));
        Files.createLink(b, a);
        assertEquals(2, nlink(a), "the new name's nlink is the old name's");
        assertEquals(2, nlink(b));
        assertEquals(Files.getAttribute(a, "unix:ino"), Files.getAttribute(b, "unix:ino"));
        Files.writeString(b, "two+more", StandardOpenOption.APPEND);
        assertEquals(11, Files.size(a), "size through the other name, without waiting for a timeout");
        assertEquals("onetwo+more", Files.readString(a));
        try (RandomAccessFile r = new RandomAccessFile(a.toFile(), "rw")) {
            r.seek(0);
            r.write('O');
        }
        assertEquals("Onetwo+more", Files.readString(b), "data through the other name");
        Files.delete(a);
        assertEquals(1, nlink(b), "nlink after the other name went");
        assertEquals("Onetwo+more", Files.readString(b));
        // a lower file linked: copied up once, both names one file
        Files.createLink(mnt.resolve("old2"), mnt.resolve("old"));
        Files.writeString(mnt.resolve("old"), "new");
        assertEquals("new", Files.readString(mnt.resolve("old2")));
        assertEquals(2, nlink(mnt.resolve("old2")));
        assertEquals("old", Files.readString(base.resolve("lower1/old")));
    }

    @Test
    void renameat2FlagsReachTheUnion() throws Exception {
        Files.writeString(mnt.resolve("x"), "x");
        Files.writeString(mnt.resolve("y"), "y");
        FsException e = assertThrows(FsException.class,
                () -> Host.renameat2(mnt.resolve("x").toString(), mnt.resolve("y").toString(), Host.RENAME_NOREPLACE));
        assertEquals(Errno.EEXIST, e.errno());
        assertEquals("y", Files.readString(mnt.resolve("y")));
        e = assertThrows(FsException.class, () -> Host.renameat2(mnt.resolve("x").toString(),
                mnt.resolve("etc/motd").toString(), Host.RENAME_NOREPLACE));
        assertEquals(Errno.EEXIST, e.errno(), "a lower file is there too");
        Host.renameat2(mnt.resolve("x").toString(), mnt.resolve("z").toString(), Host.RENAME_NOREPLACE);
        assertFalse(Files.exists(mnt.resolve("x")));
        assertEquals("x", Files.readString(mnt.resolve("z")));
        try {
            Host.renameat2(mnt.resolve("z").toString(), mnt.resolve("y").toString(), Host.RENAME_EXCHANGE);
            assertEquals("x", Files.readString(mnt.resolve("y")), "exchanged");
            assertEquals("y", Files.readString(mnt.resolve("z")));
        } catch (FsException ex) {
            assertEquals(Errno.EINVAL, ex.errno(), "the union's answer to RENAME_EXCHANGE, passed through");
            assertEquals("y", Files.readString(mnt.resolve("y")));
        }
    }

    @Test
    void aLargeDirectoryListsAndStatsEveryEntry() throws Exception {
        Path dir = Files.createDirectory(mnt.resolve("big"));
        int n = 3000;
        for (int i = 0; i < n; i++) Files.writeString(dir.resolve("file-with-a-longish-name-" + i), Integer.toString(i));
        for (int round = 0; round < 2; round++) { // the second walk is served from the kernel's caches
            Set<String> seen = new HashSet<>();
            try (Stream<Path> s = Files.list(dir)) {
                for (Path p : (Iterable<Path>) s::iterator) {
                    String name = p.getFileName().toString();
                    assertTrue(seen.add(name), "listed once: " + name);
                    String i = name.substring(name.lastIndexOf('-') + 1);
                    assertEquals(i.length(), Files.size(p), name);
                    assertTrue(Files.isRegularFile(p));
                }
            }
            assertEquals(n, seen.size());
        }
        // changes show at once despite long caches
        Files.delete(dir.resolve("file-with-a-longish-name-7"));
        Files.writeString(dir.resolve("new"), "n");
        try (Stream<Path> s = Files.list(dir)) {
            List<String> names = s.map(p -> p.getFileName().toString()).toList();
            assertEquals(n, names.size());
            assertTrue(names.contains("new"));
            assertFalse(names.contains("file-with-a-longish-name-7"));
        }
        assertFalse(Files.exists(dir.resolve("file-with-a-longish-name-7")));
    }

    /**
     * A reader part way through a large directory continues in the listing it started with while the directory
     * changes and another reader lists it anew: it sees no name twice and every name that stayed. With the kernel's
     * listing cache, offsets that were plain indexes made the first reader go on in the second's listing.
     */
    @Test
    void aReaderContinuesItsListingWhileTheDirectoryChangesAndAnotherStartsOver() throws Exception {
        readerContinuesItsListing();
    }

    /** The same with OPENDIR answered (handles), as on kernels without NO_OPENDIR_SUPPORT. */
    @Test
    void aReaderContinuesItsListingWithDirectoryHandlesToo() throws Exception {
        remountWith("strata.fuse.ll.noOpendir", "false");
        readerContinuesItsListing();
    }

    private void readerContinuesItsListing() throws Exception {
        Path dir = Files.createDirectory(mnt.resolve("many"));
        Set<String> all = new HashSet<>();
        for (int i = 0; i < 2000; i++) {
            String name = "entry-with-a-rather-long-name-" + i;
            Files.writeString(dir.resolve(name), "x");
            all.add(name);
        }
        Set<String> seen = new HashSet<>(), removed = new HashSet<>(), added = new HashSet<>();
        try (java.nio.file.DirectoryStream<Path> a = Files.newDirectoryStream(dir)) {
            java.util.Iterator<Path> it = a.iterator();
            for (int k = 0; k < 100; k++) assertTrue(seen.add(it.next().getFileName().toString()));
            for (String name : all) {
                if (removed.size() == 300) break;
                if (seen.contains(name)) continue;
                Files.delete(dir.resolve(name));
                removed.add(name);
            }
            for (int i = 0; i < 300; i++) {
                Files.writeString(dir.resolve("added-" + i), "y");
                added.add("added-" + i);
            }
            Set<String> now = new HashSet<>(all);
            now.removeAll(removed);
            now.addAll(added);
            assertEquals(now, new HashSet<>(ls(dir)), "a reader starting over sees the directory as it is");
            while (it.hasNext()) {
                String name = it.next().getFileName().toString();
                assertTrue(seen.add(name), "listed once: " + name);
            }
        }
        Set<String> missing = new HashSet<>(all);
        missing.removeAll(removed);
        missing.removeAll(seen);
        assertEquals(Set.of(), missing, "every name that stayed");
        Set<String> unknown = new HashSet<>(seen);
        unknown.removeAll(all);
        unknown.removeAll(added);
        assertEquals(Set.of(), unknown);
    }

    /** Unmounts and mounts again with a system property set while the session starts. */
    private void remountWith(String property, String value) throws Exception {
        mount.close();
        String before = System.getProperty(property);
        System.setProperty(property, value);
        try {
            mount = io.strata.fuse.FuseMount.start(io.strata.core.testing.Unions.open(base, 2, true, ""),
                    io.strata.core.options.MountOptions.parse(List.of(io.strata.core.testing.Unions.options(base, 2, true, ""))),
                    mnt, "test");
        } finally {
            if (before == null) System.clearProperty(property);
            else System.setProperty(property, before);
        }
    }

    @Test
    void childrenFollowARenamedDirectory() throws Exception {
        Files.createDirectories(mnt.resolve("p/q"));
        Files.writeString(mnt.resolve("p/q/f"), "f");
        assertEquals("a", Files.readString(mnt.resolve("d/a")));
        Files.move(mnt.resolve("p"), mnt.resolve("d/r"));
        Files.move(mnt.resolve("d"), mnt.resolve("e"));
        assertEquals("f", Files.readString(mnt.resolve("e/r/q/f")));
        Files.writeString(mnt.resolve("e/r/q/g"), "g");
        assertEquals("g", Files.readString(base.resolve("upper/e/r/q/g")));
        assertEquals("a", Files.readString(mnt.resolve("e/a")));
        assertFalse(Files.exists(mnt.resolve("d")));
        assertFalse(Files.exists(mnt.resolve("p")));
        assertEquals(List.of("a", "b", "r"), ls(mnt.resolve("e")));
    }

    @Test
    void parentAttributesAndRecreatedNamesAreFresh() throws Exception {
        Path d = Files.createDirectory(mnt.resolve("dir"));
        Files.setLastModifiedTime(d, FileTime.fromMillis(1_000_000_000L));
        FileTime before = Files.getLastModifiedTime(d);
        Files.writeString(d.resolve("f"), "1");
        assertNotEquals(before, Files.getLastModifiedTime(d), "the parent's mtime after a create");
        long ino = (long) Files.getAttribute(d.resolve("f"), "unix:ino");
        Files.delete(d.resolve("f"));
        Files.createDirectory(d.resolve("f"));
        assertTrue(Files.isDirectory(d.resolve("f")));
        Files.delete(d.resolve("f"));
        Files.writeString(d.resolve("f"), "22");
        assertEquals("22", Files.readString(d.resolve("f")));
        assertEquals(2, Files.size(d.resolve("f")));
        Files.delete(mnt.resolve("d/a")); // a lower file: whiteout
        assertFalse(Files.exists(mnt.resolve("d/a")));
        Files.writeString(mnt.resolve("d/a"), "again");
        assertEquals("again", Files.readString(mnt.resolve("d/a")));
        assertTrue(ino > 0);
    }

    @Test
    void fstatOfAnUnlinkedFileAndTruncateThroughTheHandle() throws Exception {
        Path f = mnt.resolve("gone");
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.CREATE_NEW, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap("12345".getBytes()));
            Files.delete(f);
            assertEquals(5, ch.size());
            ch.truncate(2);
            assertEquals(2, ch.size());
        }
        Stat st = Host.lstat(mnt.resolve("etc").toString());
        assertTrue(st.isDir());
        byte[] data = new byte[300_000];
        new java.util.Random(2).nextBytes(data);
        Files.write(mnt.resolve("d/data"), data);
        assertArrayEquals(data, Files.readAllBytes(mnt.resolve("d/data")));
    }

    @Test
    void xattrsAndSymlinksThroughTheMount() throws Exception {
        Files.createSymbolicLink(mnt.resolve("ln"), Path.of("etc/motd"));
        assertEquals("etc/motd", Files.readSymbolicLink(mnt.resolve("ln")).toString());
        assertEquals("hello\n", Files.readString(mnt.resolve("ln")));
        var view = Files.getFileAttributeView(mnt.resolve("etc/motd"), java.nio.file.attribute.UserDefinedFileAttributeView.class);
        view.write("k", ByteBuffer.wrap("v".getBytes()));
        assertEquals(List.of("k"), view.list());
        ByteBuffer b = ByteBuffer.allocate(view.size("k"));
        view.read("k", b);
        assertEquals("v", new String(b.array()));
        view.delete("k");
        assertEquals(List.of(), view.list());
        List<String> names = new ArrayList<>(ls(mnt));
        assertTrue(names.contains("ln"));
    }

    /**
     * Removals and creations in parallel, while another thread walks: the host reuses freed inode numbers at once, and
     * a new object must never get the node (kernel inode) of a removed one (ESTALE, ENOENT, a second directory alias).
     */
    @Test
    void parallelCreateRemoveAndWalkKeepNodesApart() throws Exception {
        List<Thread> threads = new ArrayList<>();
        List<Throwable> failures = java.util.Collections.synchronizedList(new ArrayList<>());
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        for (int w = 0; w < 3; w++) {
            Path root = mnt.resolve("w" + w);
            threads.add(new Thread(() -> {
                try {
                    for (int round = 0; round < 60; round++) {
                        Path b = Files.createDirectories(root.resolve("a/b"));
                        for (int i = 0; i < 5; i++) {
                            Files.writeString(b.resolve("f" + i), "x" + round);
                            Files.createLink(root.resolve("a/l" + i), b.resolve("f" + i));
                        }
                        Files.move(root.resolve("a"), root.resolve("c"));
                        assertEquals("x" + round, Files.readString(root.resolve("c/b/f3")));
                        assertEquals(2, nlink(root.resolve("c/l3")));
                        try (Stream<Path> s = Files.walk(root.resolve("c"))) {
                            for (Path p : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.delete(p);
                        }
                    }
                } catch (Throwable t) {
                    failures.add(t);
                }
            }));
        }
        Thread walker = new Thread(() -> {
            while (!done.get()) {
                try (Stream<Path> s = Files.walk(mnt)) {
                    s.forEach(p -> {
                        try {
                            Files.readAttributes(p, "unix:nlink,size");
                        } catch (java.nio.file.NoSuchFileException gone) {
                            // removed meanwhile
                        } catch (Exception e) {
                            failures.add(e);
                        }
                    });
                } catch (java.io.UncheckedIOException | java.io.IOException e) {
                    if (!(e.getCause() instanceof java.nio.file.NoSuchFileException) && !(e instanceof java.nio.file.NoSuchFileException))
                        failures.add(e);
                }
            }
        });
        walker.start();
        for (Thread t : threads) t.start();
        for (Thread t : threads) t.join();
        done.set(true);
        walker.join();
        if (!failures.isEmpty()) throw new AssertionError(failures.size() + " failures, first: " + failures.get(0), failures.get(0));
        assertEquals(List.of("d", "etc", "old", "w0", "w1", "w2"), ls(mnt));
    }

    /** Directories are opened by the kernel itself, and listed again from its cache: no round trip per opendir. */
    @Test
    void listingADirectoryAgainSendsNoRequest() throws Exception {
        Path counts = base.resolve("counts.txt");
        remountWith("strata.fuse.ll.requestCounts", counts.toString());
        for (int i = 0; i < 5; i++) assertEquals(List.of("a", "b"), ls(mnt.resolve("d")));
        Files.writeString(mnt.resolve("d/c"), "c");
        for (int i = 0; i < 5; i++) assertEquals(List.of("a", "b", "c"), ls(mnt.resolve("d")), "a change shows at once");
        mount.close();
        List<String> lines = Files.readAllLines(counts);
        assertTrue(lines.stream().noneMatch(l -> l.startsWith("RELEASEDIR ")), lines.toString());
        assertTrue(lines.contains("OPENDIR 1"), "one, answered ENOSYS: " + lines);
        int listings = lines.stream().filter(l -> l.startsWith("READDIRPLUS ")).mapToInt(l -> Integer.parseInt(l.split(" ")[1])).sum();
        assertTrue(listings <= 4, "d listed twice (its names, then the end), each time it changed: " + lines);
    }

    @Test
    void countsRequestsByOpcodeWhenAsked() throws Exception {
        Path counts = base.resolve("counts.txt");
        remountWith("strata.fuse.ll.requestCounts", counts.toString());
        for (int i = 0; i < 3; i++) Files.writeString(mnt.resolve("new" + i), "x", StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
        Files.delete(mnt.resolve("old"));
        assertFalse(Files.exists(counts), "written when the session ends");
        mount.close();
        List<String> lines = Files.readAllLines(counts);
        assertTrue(lines.contains("CREATE 3"), lines.toString());
        assertTrue(lines.contains("UNLINK 1"), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.startsWith("INIT ")), lines.toString());
        assertTrue(lines.stream().anyMatch(l -> l.matches("WRITE [3-9]")), lines.toString());
    }
}
