package io.strata.testimages;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Images an importer must refuse: each on top of a small valid base layer, so that a refusal must also undo the
 * layers already extracted. Every escape attempt aims at a file named {@link #ESCAPE} (in /tmp, in /, or next to
 * the store), so a test can check that nothing got out.
 */
public final class HostileImages {
    public static final String ESCAPE = "strata-hostile-escape";
    private static final String UP = "../".repeat(24);

    /** One case: an id for file names, what it tries, and the image. */
    public record Case(String id, String what, Image image) {
    }

    private HostileImages() {
    }

    static byte[] baseTar() {
        return new TarBuilder().dir("etc").file("etc/hostname", "hostile-base\n").dir("tmp", 01777).build();
    }

    private static Case layerCase(String id, String what, TarBuilder hostile) {
        return withTop(id, what, Layer.of(hostile.build(), Compression.PLAIN));
    }

    private static Case withTop(String id, String what, Layer top) {
        Image image = new Image("strata-hostile/" + id + ":1", List.of(Layer.of(baseTar(), Compression.GZIP), top),
                List.of("base", what));
        return new Case(id, what, image);
    }

    public static List<Case> all() {
        Map<String, Case> c = new LinkedHashMap<>();
        put(c, layerCase("dotdot", "a member named ../" + ESCAPE, new TarBuilder().file("../" + ESCAPE, "x\n")));
        put(c, layerCase("dotdot-inner", "a member named a/../../" + ESCAPE,
                new TarBuilder().dir("a").file("a/../../" + ESCAPE, "x\n")));
        put(c, layerCase("absolute", "a member named /tmp/" + ESCAPE, new TarBuilder().file("/tmp/" + ESCAPE, "x\n")));
        put(c, layerCase("symlink-escape-write", "a symlink to ../../(...)/tmp, then a file written through it",
                new TarBuilder().symlink("evil", UP + "tmp").file("evil/" + ESCAPE, "x\n")));
        put(c, layerCase("symlink-absolute-write", "a symlink to /tmp, then a file written through it",
                new TarBuilder().symlink("evil", "/tmp").file("evil/" + ESCAPE, "x\n")));
        put(c, layerCase("symlink-parent-dir", "a symlink to /, then a directory and a file below it",
                new TarBuilder().symlink("root", "/").dir("root/tmp").file("root/tmp/" + ESCAPE, "x\n")));
        put(c, layerCase("hardlink-outside", "a hard link to ../../(...)/etc/passwd",
                new TarBuilder().hardlink("passwd", UP + "etc/passwd")));
        put(c, layerCase("hardlink-absolute", "a hard link to /etc/passwd",
                new TarBuilder().hardlink("passwd", "/etc/passwd")));
        put(c, layerCase("hardlink-through-symlink", "a symlink to /etc, then a hard link to etc/passwd through it",
                new TarBuilder().symlink("etc", "/etc").hardlink("passwd", "etc/passwd")));
        put(c, layerCase("hardlink-missing", "a hard link to a name the layer does not have",
                new TarBuilder().hardlink("link", "nowhere")));
        put(c, layerCase("duplicate", "the same file twice",
                new TarBuilder().file("dup", "first\n").file("dup", "second\n")));
        put(c, layerCase("device-node", "a character device (1/3, /dev/null's numbers)",
                new TarBuilder().dir("dev").charDevice("dev/null", 1, 3)));
        put(c, layerCase("overlay-xattr", "a trusted.overlay.* xattr (forges overlayfs metadata)",
                new TarBuilder().file("forged", "x\n".getBytes(StandardCharsets.UTF_8), 0644, 0, 0,
                        Map.of("trusted.overlay.redirect", "/etc"))));
        put(c, layerCase("whiteout-dotdot", "a whiteout of '..' (.wh..)", new TarBuilder().dir("a").file("a/.wh..", "")));
        put(c, layerCase("huge-member", "a member that claims 1 EiB",
                new TarBuilder().paxHeader("huge", Map.of("size", Long.toString(1L << 60))).file("huge", "tiny\n")));

        byte[] ok = new TarBuilder().file("payload", "p".repeat(10000)).build();
        put(c, withTop("truncated", "a member cut short (digests match the cut bytes)",
                Layer.of(Arrays.copyOf(ok, 512 + 5000), Compression.PLAIN)));
        Layer gz = Layer.of(ok, Compression.GZIP);
        put(c, withTop("bad-gzip", "corrupt deflate data (digests match the corrupt bytes)",
                Layer.rawBlob(corrupt(gz.blob()), Compression.GZIP, gz.diffId())));
        Layer zst = Layer.of(ok, Compression.ZSTD);
        put(c, withTop("bad-zstd", "corrupt zstd data (digests match the corrupt bytes)",
                Layer.rawBlob(corrupt(zst.blob()), Compression.ZSTD, zst.diffId())));
        put(c, withTop("digest-mismatch", "a blob that is not the one its digest names",
                gz.withBlob(Layer.of(new TarBuilder().file("payload", "other\n").build(), Compression.GZIP).blob())));
        put(c, withTop("diffid-mismatch", "a config diff_id that is not the layer's",
                gz.withDiffId(Digests.sha256("something else".getBytes(StandardCharsets.UTF_8)))));
        put(c, withTop("missing-blob", "a layer listed in the manifest and absent from the image", gz.missing()));
        byte[] text = "this is not a tar archive\n".repeat(100).getBytes(StandardCharsets.US_ASCII);
        put(c, withTop("not-a-tar", "a layer blob of plain text", Layer.of(text, Compression.PLAIN)));
        return List.copyOf(c.values());
    }

    private static void put(Map<String, Case> cases, Case c) {
        if (cases.put(c.id(), c) != null) throw new IllegalStateException("duplicate case " + c.id());
    }

    /** Flips the bytes of the middle third, past any header. */
    static byte[] corrupt(byte[] blob) {
        byte[] b = blob.clone();
        for (int i = b.length / 3; i < 2 * b.length / 3; i++) b[i] ^= 0x5a;
        return b;
    }
}
