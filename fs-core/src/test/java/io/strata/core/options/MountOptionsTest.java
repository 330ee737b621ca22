package io.strata.core.options;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MountOptionsTest {
    @Test
    void parsesFuseOverlayfsOptions() {
        MountOptions o = MountOptions.parse(List.of("lowerdir=/a:/b\\:c,upperdir=/u,workdir=/w", "rw,dev,suid,volatile,allow_other"));
        assertEquals(List.of("/a", "/b:c"), o.lowerDirs());
        assertEquals("/u", o.upperDir());
        assertEquals("/w", o.workDir());
        assertFalse(o.readOnly());
        assertTrue(o.metacopy());
        assertEquals(List.of("allow_other"), o.fuseOptions());
    }

    @Test
    void noUpperMeansReadOnly() {
        assertTrue(MountOptions.parse(List.of("lowerdir=/a")).readOnly());
        assertTrue(MountOptions.parse(List.of("lowerdir=/a,upperdir=/u,workdir=/w,ro")).readOnly());
    }

    @Test
    void passthroughIsAskedForAndNeverReachesLibfuse() {
        assertFalse(MountOptions.parse(List.of("lowerdir=/a")).passthrough());
        MountOptions o = MountOptions.parse(List.of("lowerdir=/a,upperdir=/u,workdir=/w,passthrough"));
        assertTrue(o.passthrough());
        assertTrue(o.fuseOptions().isEmpty(), o.fuseOptions().toString());
        assertFalse(MountOptions.parse(List.of("lowerdir=/a,passthrough=on", "passthrough=off")).passthrough(), "later wins");
    }

    @Test
    void usageCountingIsAskedForAndNeedsAnUpper() {
        assertFalse(MountOptions.parse(List.of("lowerdir=/a,upperdir=/u,workdir=/w")).usage());
        assertTrue(MountOptions.parse(List.of("lowerdir=/a,upperdir=/u,workdir=/w,usage=on")).usage());
        assertFalse(MountOptions.parse(List.of("lowerdir=/a,upperdir=/u,workdir=/w,usage=on", "usage=off")).usage(), "later wins");
        assertFalse(MountOptions.parse(List.of("lowerdir=/a,usage=on")).usage(), "nothing to count without an upper");
        assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("lowerdir=/a,usage=maybe")));
    }

    @Test
    void refusesWhatIsWrongWithAClearMessage() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("upperdir=/u,workdir=/w")))
                .getMessage().contains("lowerdir"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("lowerdir=/a,upperdir=/u")))
                .getMessage().contains("workdir"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("lowerdir=/a,bogus=1")))
                .getMessage().contains("bogus"));
        assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("lowerdir=/a::/b")));
        assertThrows(IllegalArgumentException.class, () -> MountOptions.parse(List.of("lowerdir=/a,uidmapping=0:1000")));
    }

    @Test
    void idMappingsTranslateBothWays() {
        // fuse-overlayfs' order, STORED:SHOWN:COUNT: a layer's root-owned file shows as 100000, chown 100005 stores 5
        IdMapping m = IdMapping.parse("0:100000:65536");
        assertEquals(100000, m.toInside(0));
        assertEquals(5, m.toOutside(100005));
        assertEquals(65534, m.toInside(100000), "unmapped ids show as the overflow id");
        assertEquals(-1, m.toOutside(70000));
        // as containers-storage writes them: every triple after a colon
        IdMapping p = IdMapping.parse(":0:100000:1:1:200001:65535");
        assertEquals(0, p.toOutside(100000));
        assertEquals(1, p.toOutside(200001));
        assertEquals(265535, p.toInside(65535));
    }

    @Test
    void layerDirsAreCheckedBeforeAnythingIsMounted(@TempDir Path tmp) throws Exception {
        Path lower = Files.createDirectories(tmp.resolve("l")), up = Files.createDirectories(tmp.resolve("u"));
        Path work = Files.createDirectories(tmp.resolve("w"));
        String missing = assertThrows(IllegalArgumentException.class,
                () -> LayerDirs.open(MountOptions.parse(List.of("lowerdir=" + tmp.resolve("nope"))))).getMessage();
        assertTrue(missing.contains("does not exist"), missing);
        Files.writeString(tmp.resolve("file"), "x");
        assertTrue(assertThrows(IllegalArgumentException.class,
                () -> LayerDirs.open(MountOptions.parse(List.of("lowerdir=" + tmp.resolve("file"))))).getMessage()
                .contains("not a directory"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerDirs.open(MountOptions.parse(List.of(
                "lowerdir=" + lower + ",upperdir=" + up + ",workdir=" + up.resolve("inside"))))).getMessage()
                .contains("does not exist"));
        Files.createDirectories(up.resolve("inside"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerDirs.open(MountOptions.parse(List.of(
                "lowerdir=" + lower + ",upperdir=" + up + ",workdir=" + up.resolve("inside"))))).getMessage()
                .contains("separate"));
        Path shm = Path.of("/dev/shm");
        if (Files.isDirectory(shm)) {
            Path otherFs = Files.createTempDirectory(shm, "strata-work");
            try {
                assertTrue(assertThrows(IllegalArgumentException.class, () -> LayerDirs.open(MountOptions.parse(List.of(
                        "lowerdir=" + lower + ",upperdir=" + up + ",workdir=" + otherFs)))).getMessage()
                        .contains("different filesystems"));
            } finally {
                Files.delete(otherFs);
            }
        }
        LayerDirs.open(MountOptions.parse(List.of("lowerdir=" + lower + ",upperdir=" + up + ",workdir=" + work)));
    }
}
