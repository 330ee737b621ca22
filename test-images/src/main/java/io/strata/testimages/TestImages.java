package io.strata.testimages;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The images the tests import, built here from busybox-static and nothing else: the same inputs give the same bytes,
 * and so the same digests.
 */
public final class TestImages {
    public static final long SPARSE_SIZE = 1L << 30;
    public static final int DEEP = 64;

    private TestImages() {
    }

    /**
     * Three layers: a busybox base; an application layer; a top layer that deletes files with {@code .wh.} whiteouts
     * (a file of each lower layer, a directory) and replaces /var/cache with an opaque directory.
     */
    public static Image threeLayers() {
        TarBuilder base = Busybox.base(new TarBuilder())
                .file("etc/motd", "base motd\n")
                .dir("var").dir("var/cache").dir("var/cache/apt")
                .file("var/cache/apt/pkgcache.bin", "apt cache\n")
                .file("var/cache/old.db", "stale\n")
                .dir("var/log").file("var/log/boot.log", "boot ok\n")
                .dir("usr").dir("usr/share").dir("usr/share/doc")
                .file("usr/share/doc/README", "base docs\n");
        TarBuilder app = new TarBuilder()
                .dir("etc").file("etc/motd", "motd of layer 2\n").file("etc/hostname", "layer2\n")
                .dir("opt").dir("opt/app").file("opt/app/run.sh", "#!/bin/sh\necho app\n".getBytes(StandardCharsets.UTF_8), 0755)
                .dir("opt/app/config").file("opt/app/config/app.conf", "debug=1\n")
                .dir("var").dir("var/log").file("var/log/app.log", "app started\n");
        TarBuilder top = new TarBuilder()
                .dir("etc").whiteout("etc", "hostname").file("etc/issue", "Strata test image\n")
                .dir("var").dir("var/log").whiteout("var/log", "boot.log")
                .dir("var/cache").file("var/cache/new.db", "fresh\n").opaque("var/cache")
                .dir("opt").dir("opt/app").whiteout("opt/app", "config");
        return new Image("strata-test/three-layers:1", List.of(
                Layer.of(base.build(), Compression.GZIP), Layer.of(app.build(), Compression.GZIP),
                Layer.of(top.build(), Compression.GZIP)),
                List.of("busybox base", "application files", "delete hostname, boot.log, opt/app/config; opaque var/cache"));
    }

    /** The segments of the 1 GiB sparse file: a head, a block in the middle, the last bytes. */
    public static Map<Long, byte[]> sparseSegments() {
        Map<Long, byte[]> s = new LinkedHashMap<>();
        s.put(0L, pattern("head", 4096));
        s.put(SPARSE_SIZE / 2, pattern("middle", 8192));
        s.put(SPARSE_SIZE - 512, pattern("tail", 512));
        return s;
    }

    private static byte[] pattern(String word, int size) {
        byte[] w = (word + "-").getBytes(StandardCharsets.US_ASCII), b = new byte[size];
        for (int i = 0; i < size; i++) b[i] = w[i % w.length];
        return b;
    }

    /** The path of the deep tree's leaf: deep/level-00/.../level-63/leaf.txt (longer than ustar's 100+155 bytes). */
    public static String deepLeaf() {
        StringBuilder b = new StringBuilder("deep");
        for (int i = 0; i < DEEP; i++) b.append(String.format("/level-%02d", i));
        return b.append("/leaf.txt").toString();
    }

    /**
     * Two layers: busybox, then the awkward kinds: hard links (one across directories), symlinks (relative, absolute,
     * dangling, to a directory), a fifo, files with xattrs (PAX SCHILY.xattr), a 1 GiB sparse file (PAX sparse 1.0),
     * a 64-level deep tree, a 255-byte name, non-ASCII names, setuid and owned files, an empty file.
     */
    public static Image rich() {
        TarBuilder t = new TarBuilder().dir("data")
                .file("data/original", "linked content\n")
                .hardlink("data/hardlink", "data/original")
                .dir("data/sub").hardlink("data/sub/link2", "data/original")
                .symlink("data/rel", "original")
                .symlink("data/abs", "/data/original")
                .symlink("data/dangling", "does/not/exist")
                .symlink("data/dirlink", "sub")
                .file("data/xattrs", "has xattrs\n".getBytes(StandardCharsets.UTF_8), 0640, 0, 0,
                        Map.of("user.strata.color", "blue", "user.strata.note", "two words"))
                .file("data/setuid", "#!/bin/sh\n".getBytes(StandardCharsets.UTF_8), 04755)
                .file("data/owned", "by 1000\n".getBytes(StandardCharsets.UTF_8), 0600, 1000, 1000, Map.of())
                .file("data/empty", new byte[0], 0644)
                .file("data/naïve-ünïcode.txt", "utf-8 name\n")
                .file("data/" + "n".repeat(255), "longest name\n")
                .dir("run").fifo("run/fifo")
                .dir("data/private", 0700)
                .sparse("data/sparse.img", SPARSE_SIZE, sparseSegments());
        StringBuilder dir = new StringBuilder("deep");
        t.dir("deep");
        for (int i = 0; i < DEEP; i++) t.dir(dir.append(String.format("/level-%02d", i)).toString());
        t.file(deepLeaf(), "bottom of the tree\n");
        return new Image("strata-test/rich:1", List.of(
                Layer.of(Busybox.base(new TarBuilder()).build(), Compression.GZIP), Layer.of(t.build(), Compression.GZIP)),
                List.of("busybox base", "links, fifo, xattrs, sparse, deep tree"));
    }

    /** Every test image (not the hostile ones), for tests that go over all of them. */
    public static List<Image> all() {
        return new ArrayList<>(List.of(threeLayers(), rich()));
    }
}
