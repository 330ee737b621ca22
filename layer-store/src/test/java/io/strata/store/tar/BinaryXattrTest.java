package io.strata.store.tar;

import io.strata.core.host.Host;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * Binary xattr values (file capabilities: security.capability is a struct vfs_cap_data, not text) survive a layer's
 * way in and out: GNU tar's PAX records (raw bytes) → LayerExtractor → the same bytes on disk; LayerWriter → GNU tar
 * extracts the same capability (getcap), also for a long non-ASCII name and a sparse file.
 */
class BinaryXattrTest {
    @TempDir
    Path base;

    private static String run(Path dir, String... cmd) throws Exception {
        Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.waitFor(), String.join(" ", cmd) + ":\n" + out);
        return out;
    }

    private static final String LONG = "d".repeat(40) + "/ünïcödé-" + "n".repeat(120);

    private Path source() throws Exception {
        Path src = Files.createDirectories(base.resolve("src"));
        Files.writeString(src.resolve("ping"), "#!/bin/sh\n");
        Files.createDirectories(src.resolve(LONG).getParent());
        Files.writeString(src.resolve(LONG), "x");
        run(src, "truncate", "-s", "64M", "sparse");
        try (var f = new java.io.RandomAccessFile(src.resolve("sparse").toFile(), "rw")) {
            f.seek(1 << 20);
            f.write(7);
        }
        for (String f : new String[] {"ping", LONG, "sparse"}) run(src, "setcap", "cap_setuid,cap_net_raw+ep", f);
        Files.writeString(src.resolve("text"), "t");
        Host.setxattr(src.resolve("text").toString(), "user.note", "plain text".getBytes(StandardCharsets.UTF_8), 0);
        return src;
    }

    @Test
    void gnuTarsCapabilitiesAreExtractedByteForByte() throws Exception {
        Path src = source();
        Path tar = base.resolve("layer.tar");
        run(src, "tar", "--xattrs", "--xattrs-include=*", "--format=pax", "-cf", tar.toString(), "ping", LONG, "text");
        Path out = Files.createDirectories(base.resolve("out"));
        try (InputStream in = Files.newInputStream(tar)) {
            LayerExtractor.extract(in, out, false);
        }
        for (String f : new String[] {"ping", LONG}) {
            byte[] want = Host.getxattr(src.resolve(f).toString(), "security.capability");
            assertNotNull(want);
            assertThrows(java.nio.charset.CharacterCodingException.class, () -> StandardCharsets.UTF_8.newDecoder()
                    .decode(java.nio.ByteBuffer.wrap(want)), "the test's capability is binary, not UTF-8");
            assertArrayEquals(want, Host.getxattr(out.resolve(f).toString(), "security.capability"), f);
        }
        assertArrayEquals("plain text".getBytes(StandardCharsets.UTF_8), Host.getxattr(out.resolve("text").toString(), "user.note"));
    }

    @Test
    void layerWriterWritesThemSoGnuTarReadsThemBack() throws Exception {
        Path src = source();
        Path tar = base.resolve("ours.tar");
        try (OutputStream os = Files.newOutputStream(tar)) {
            LayerWriter.write(src.toString(), os, null);
        }
        Path gnu = Files.createDirectories(base.resolve("gnu"));
        run(gnu, "tar", "--xattrs", "--xattrs-include=*", "-xf", tar.toString());
        for (String f : new String[] {"ping", LONG, "sparse"}) {
            assertArrayEquals(Host.getxattr(src.resolve(f).toString(), "security.capability"),
                    Host.getxattr(gnu.resolve(f).toString(), "security.capability"), f);
            assertEquals(Files.size(src.resolve(f)), Files.size(gnu.resolve(f)), f);
        }
        assertEquals("cap_setuid,cap_net_raw=ep", run(gnu, "getcap", "ping").trim().replaceFirst("^ping ", ""));
        assertArrayEquals("plain text".getBytes(StandardCharsets.UTF_8), Host.getxattr(gnu.resolve("text").toString(), "user.note"));
        // and our own reader gets the same bytes back
        Path again = Files.createDirectories(base.resolve("again"));
        try (InputStream in = Files.newInputStream(tar)) {
            LayerExtractor.extract(in, again, false);
        }
        for (String f : new String[] {"ping", LONG, "sparse"})
            assertArrayEquals(Host.getxattr(src.resolve(f).toString(), "security.capability"),
                    Host.getxattr(again.resolve(f).toString(), "security.capability"), f);
    }
}
