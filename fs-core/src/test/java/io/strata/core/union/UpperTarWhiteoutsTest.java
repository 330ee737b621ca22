package io.strata.core.union;

import io.strata.core.errno.Errno;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.core.xattr.OverlayXattrs;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static io.strata.core.testing.Unions.errnoOf;
import static io.strata.core.testing.Unions.sorted;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code tar_whiteouts=all}: an upper with OCI markers, as containers-storage extracts an image layer and then mounts it
 * as the upper of a read-only view (podman image mount, podman diff IMAGE). Read as fuse-overlayfs reads it; the
 * default (kernel overlayfs) shows such names as plain files, which ScriptedDifferentialTest checks.
 */
class UpperTarWhiteoutsTest {
    @TempDir
    Path base;
    Trees lower, upper;

    @BeforeEach
    void layers() {
        lower = Trees.at(base.resolve("lower1"));
        upper = Trees.at(base.resolve("upper"));
        lower.file("etc/motd", "lower motd\n").file("etc/keep", "k").file("var/cache/a", "a").file("var/log/x", "x")
                .file("gone/y", "y");
        upper.file("etc/issue", "upper\n").ociWhiteout("etc/motd").ociOpaque("var/cache").file("var/cache/b", "b")
                .ociWhiteout("gone");
    }

    private UnionFs union(String extra) throws Exception {
        return Unions.open(base, 1, true, extra);
    }

    @Test
    void markersInTheUpperHideLowerNamesAndAreNotShown() throws Exception {
        UnionFs fs = union("tar_whiteouts=all");
        assertEquals("etc,var", sorted(fs.readdir("")));
        assertEquals("issue,keep", sorted(fs.readdir("etc")));
        assertEquals("b", sorted(fs.readdir("var/cache")), ".wh..wh..opq in the upper makes it opaque");
        assertEquals("x", sorted(fs.readdir("var/log")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("etc/motd")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("etc/.wh.motd")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("gone")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("var/cache/a")));
    }

    @Test
    void byDefaultTheUpperIsReadAsTheKernelReadsIt() throws Exception {
        UnionFs fs = union("");
        assertEquals(".wh.gone,etc,gone,var", sorted(fs.readdir("")));
        assertEquals(".wh.motd,issue,keep,motd", sorted(fs.readdir("etc")));
    }

    @Test
    void aNameCreatedOverAMarkerTakesItsPlaceInKernelForm() throws Exception {
        UnionFs fs = union("tar_whiteouts=all");
        fs.mkdir("gone", 0755, Caller.ROOT);
        assertEquals("", sorted(fs.readdir("gone")), "the lower directory stays deleted");
        assertArrayEquals(OverlayXattrs.YES, Host.getxattr(upper.path("gone").toString(), OverlayXattrs.OPAQUE));
        assertFalse(Files.exists(upper.path(".wh.gone")), "the marker gave way to the opaque directory");
        fs.create("etc/motd", Host.O_WRONLY, 0644, Caller.ROOT).close();
        assertEquals(0, fs.getattr("etc/motd").size());
        assertFalse(Files.exists(upper.path("etc/.wh.motd")));
        fs.unlink("etc/motd");
        Stat wh = Host.lstat(upper.path("etc/motd").toString());
        assertTrue(wh.isCharDevice() && wh.rdev() == 0, "deleting it again leaves a kernel whiteout");
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr("etc/motd")));
    }

    @Test
    void markerNamesCannotBeCreatedAndDirectoriesHoldingThemGoWhole() throws Exception {
        UnionFs fs = union("tar_whiteouts=all");
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.create("etc/.wh.keep", Host.O_WRONLY, 0644, Caller.ROOT).close()));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.mkdir(".wh..wh..opq", 0755, Caller.ROOT)));
        assertEquals(Errno.EINVAL, errnoOf(() -> fs.rename("etc/issue", "etc/.wh.keep", 0)));
        assertEquals("k", Files.readString(lower.path("etc/keep")));
        fs.unlink("var/cache/b");
        fs.rmdir("var/cache");
        assertEquals("log", sorted(fs.readdir("var")));
        fs.mkdir("var/cache", 0755, Caller.ROOT);
        assertEquals("", sorted(fs.readdir("var/cache")), "a deleted lower directory stays deleted when made again");
    }
}
