package io.strata.store.oci;

import io.strata.store.StoreException;
import io.strata.testimages.HostileImages;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static java.util.Map.entry;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The hostile corpus, in every format, imported into a store that already holds an image: each case is refused with
 * a message that says what is wrong, nothing appears outside the store, and the store is exactly as before.
 */
class HostileImportTest {
    @TempDir
    static Path base;

    /** What each refusal must say (docker archives carry no blob digests: a changed blob shows as a diff_id mismatch). */
    static final Map<String, String> EXPECTED = Map.ofEntries(
            entry("dotdot", "'..' in name"), entry("dotdot-inner", "'..' in name"), entry("absolute", "absolute name"),
            entry("symlink-escape-write", "is a symlink"), entry("symlink-absolute-write", "is a symlink"),
            entry("symlink-parent-dir", "is a symlink"), entry("hardlink-outside", "'..' in name"),
            entry("hardlink-absolute", "absolute name"), entry("hardlink-through-symlink", "not a file of this layer"),
            entry("hardlink-missing", "not a file of this layer"), entry("duplicate", "duplicate entry"),
            entry("device-node", "device node"), entry("overlay-xattr", "overlay metadata"),
            entry("whiteout-dotdot", "whiteout of an invalid name"), entry("huge-member", "free in the store"),
            entry("truncated", "truncated"), entry("bad-gzip", "corrupt gzip"), entry("bad-zstd", "corrupt zstd"),
            entry("digest-mismatch", "digest mismatch"), entry("diffid-mismatch", "diff_id mismatch"),
            entry("missing-blob", "missing"), entry("not-a-tar", "not a tar"));

    static ImageStore store;
    static Map<String, String> before;

    @BeforeAll
    static void storeWithAnImage() throws Exception {
        store = new ImageStore(base.resolve("store"));
        Path src = base.resolve("three");
        ImageFormat.OCI_LAYOUT.write(TestImages.threeLayers(), src);
        ImageImporter.run(store, src, null, false, ImageImporter.Progress.NONE);
        before = snapshot(store.root());
    }

    /** Every path of the store with its type, size and mtime (not the lock file's). */
    static Map<String, String> snapshot(Path root) throws Exception {
        Map<String, String> m = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.toList()) {
                if (p.getFileName().toString().equals("lock")) continue;
                var a = Files.readAttributes(p, java.nio.file.attribute.BasicFileAttributes.class, java.nio.file.LinkOption.NOFOLLOW_LINKS);
                m.put(root.relativize(p).toString(), (a.isDirectory() ? "d" : a.isSymbolicLink() ? "l" : a.isOther() ? "o" : "f")
                        + ":" + (a.isDirectory() ? "" : a.size() + ":" + a.lastModifiedTime()));
            }
        }
        return m;
    }

    @Test
    void everyHostileImageIsRefusedAndTheStoreIsUnchanged() throws Exception {
        long passwdLinks = (Integer) Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink");
        List<String> problems = new ArrayList<>();
        int refused = 0;
        for (HostileImages.Case c : HostileImages.all()) {
            String want = EXPECTED.get(c.id());
            if (want == null) fail("no expectation for hostile case " + c.id());
            for (ImageFormat f : ImageFormat.values()) {
                Path src = base.resolve("hostile").resolve(f.fileName(c.id()));
                Files.createDirectories(src.getParent());
                f.write(c.image(), src);
                StoreException e = assertThrows(StoreException.class,
                        () -> ImageImporter.run(store, src, null, false, ImageImporter.Progress.NONE), c.id() + " " + f);
                String msg = e.getMessage();
                String expect = f == ImageFormat.DOCKER_ARCHIVE && c.id().equals("digest-mismatch") ? "diff_id mismatch" : want;
                if (!msg.contains(expect)) problems.add(c.id() + " " + f + ": expected '" + expect + "' in: " + msg);
                else refused++;
                System.out.println(c.id() + " " + f + ": " + msg);
                Map<String, String> after = snapshot(store.root());
                if (!after.equals(before)) problems.add(c.id() + " " + f + ": the store changed: " + diff(before, after));
            }
        }
        assertTrue(problems.isEmpty(), String.join("\n", problems));
        assertEquals(HostileImages.all().size() * ImageFormat.values().length, refused);
        for (Path p : List.of(Path.of("/tmp", HostileImages.ESCAPE), Path.of("/", HostileImages.ESCAPE),
                Path.of("/etc", HostileImages.ESCAPE), base.resolve(HostileImages.ESCAPE)))
            assertFalse(Files.exists(p, java.nio.file.LinkOption.NOFOLLOW_LINKS), "escaped: " + p);
        try (Stream<Path> s = Files.walk(base)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().equals(HostileImages.ESCAPE)), "no escape file anywhere");
        }
        assertEquals(passwdLinks, (long) (Integer) Files.getAttribute(Path.of("/etc/passwd"), "unix:nlink"),
                "no hard link to /etc/passwd was made");
        // and the store still works: the old image is there, a good import still succeeds
        assertEquals(1, store.list().size());
        Path good = base.resolve("rich");
        ImageFormat.OCI_LAYOUT.write(TestImages.rich(), good);
        ImageImporter.run(store, good, null, false, ImageImporter.Progress.NONE);
        assertEquals(2, store.list().size());
    }

    private static String diff(Map<String, String> a, Map<String, String> b) {
        List<String> d = new ArrayList<>();
        for (String k : b.keySet()) if (!b.get(k).equals(a.get(k))) d.add("+" + k);
        for (String k : a.keySet()) if (!b.containsKey(k)) d.add("-" + k);
        return d.size() > 10 ? d.subList(0, 10) + "..." : d.toString();
    }

    /** The archive around the layers is hostile input too: its members are unpacked under checked names only. */
    @Test
    void hostileArchiveMembersAreRefused() throws Exception {
        Map<String, String> start = snapshot(store.root());
        for (String evil : List.of("../" + HostileImages.ESCAPE, "/tmp/" + HostileImages.ESCAPE, "blobs/../../" + HostileImages.ESCAPE)) {
            byte[] tar = new io.strata.testimages.TarBuilder().file("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}")
                    .file(evil, "x\n").build();
            Path src = base.resolve("evil-archive.tar");
            Files.write(src, tar);
            StoreException e = assertThrows(StoreException.class, () -> ImageImporter.run(store, src, null, false, ImageImporter.Progress.NONE));
            assertTrue(e.getMessage().contains("'..' in name") || e.getMessage().contains("absolute name"), e.getMessage());
            assertTrue(start.equals(snapshot(store.root())), "store unchanged after " + evil);
        }
        assertFalse(Files.exists(Path.of("/tmp", HostileImages.ESCAPE)));
        assertFalse(Files.exists(base.resolve(HostileImages.ESCAPE)));
        Path notAnImage = base.resolve("text.tar");
        Files.writeString(notAnImage, "hello\n".repeat(300));
        StoreException e = assertThrows(StoreException.class, () -> ImageImporter.run(store, notAnImage, null, false, ImageImporter.Progress.NONE));
        assertTrue(e.getMessage().contains("not a readable tar archive") || e.getMessage().contains("not an image"), e.getMessage());
    }

    @Test
    void devicesAreAllowedOnlyWhenAsked() throws Exception {
        HostileImages.Case dev = HostileImages.all().stream().filter(c -> c.id().equals("device-node")).findFirst().orElseThrow();
        ImageStore other = new ImageStore(base.resolve("store-devices"));
        Path src = base.resolve("dev-layout");
        ImageFormat.OCI_LAYOUT.write(dev.image(), src);
        ImageRecord r = ImageImporter.run(other, src, null, true, ImageImporter.Progress.NONE);
        var st = io.strata.core.host.Host.lstat(other.lowerDirsTopFirst(r).get(0).resolve("dev/null").toString());
        assertTrue(st.isCharDevice());
        assertEquals(1, io.strata.core.host.Stat.major(st.rdev()));
        assertEquals(3, io.strata.core.host.Stat.minor(st.rdev()));
    }
}
