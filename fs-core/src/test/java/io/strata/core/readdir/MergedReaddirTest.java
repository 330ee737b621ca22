package io.strata.core.readdir;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.namei.Listed;
import io.strata.core.testing.Trees;
import io.strata.core.testing.Unions;
import io.strata.core.union.Caller;
import io.strata.core.union.UnionFs;
import io.strata.core.xattr.OverlayXattrs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static io.strata.core.testing.Unions.errnoOf;
import static io.strata.core.testing.Unions.sorted;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A listing's entries resolved from what the listing learned (readdirplus) answer exactly what a lookup of each path
 * answers: every marker form, merged and opaque directories, redirects, metacopy, hard links.
 */
class MergedReaddirTest {
    private static final int LOWERS = 5;

    @TempDir
    Path base;

    private UnionFs union() throws FsException {
        return Unions.open(base, LOWERS, true, "metacopy=on");
    }

    /** Walks the union by listings, comparing each entry's listed attributes with a fresh union's lookup of it. */
    private int walkAndCompare(UnionFs fs, String dir) throws FsException {
        UnionFs fresh = union();
        Listed listed = fs.readdirListed(dir);
        assertEquals(sorted(fresh.readdir(dir)), sorted(listed.names()), dir);
        int n = 0;
        for (String name : listed.names()) {
            String path = dir.isEmpty() ? name : dir + "/" + name;
            Stat viaListing = fs.getattr(listed, name);
            assertEquals(noAtime(fresh.getattr(path)), noAtime(viaListing), path);
            assertEquals(noAtime(viaListing), noAtime(fs.getattr(path)), path + ": the cache holds what the listing resolved");
            n++;
            if (viaListing.isDir()) n += walkAndCompare(fs, path);
        }
        return n;
    }

    /** A lower directory's atime moves when it is listed, and lookups cache lower stats alike: not compared. */
    private static Stat noAtime(Stat s) {
        return new Stat(s.ino(), s.dev(), s.mode(), s.nlink(), s.uid(), s.gid(), s.rdev(), s.size(), s.blocks(),
                s.blksize(), 0, 0, s.mtimeSec(), s.mtimeNsec(), s.ctimeSec(), s.ctimeNsec());
    }

    @Test
    void listedEntriesResolveAsLookupsDo() throws Exception {
        Trees l1 = Trees.at(base.resolve("lower1"));
        Trees l2 = Trees.at(base.resolve("lower2"));
        Trees l3 = Trees.at(base.resolve("lower3"));
        Trees l4 = Trees.at(base.resolve("lower4"));
        Trees l5 = Trees.at(base.resolve("lower5"));
        l1.whiteout("dev0").ociWhiteout("oci").file("keep", "top").file("m/a", "a").opaque("op").file("op/t", "t");
        l1.file("same", "mine").ociWhiteout("same").file("xd/xw", "").xattr("xd/xw", OverlayXattrs.WHITEOUT, "y")
                .xattr("xd", OverlayXattrs.OPAQUE, "x").dir("oo").ociOpaque("oo").file("oo/t", "t");
        l2.file("dev0", "hidden").file("oci", "hidden").file("keep", "below").file("m/b", "b").file("op/hidden", "h");
        l2.file("same", "below").file("xd/xw", "hidden").file("xd/y", "y").file("oo/below", "b").file("f", "f");
        l3.file("m", "a file below a directory hides the rest").file("deep/a", "a").symlink("ln", "f").fifo("fifo");
        l4.file("m/c", "hidden").file("deep/b", "b").file("d/x", "x").file("d/sub/z", "z").file("h1", "h");
        l4.hardlink("h2", "h1").file("meta", "data");
        l5.file("deep/c", "c").file("oci", "hidden too").file("bottom", "b");
        // a marker in a layer that does not hold the name ends the merge of a directory above it
        Trees.at(base.resolve("upper")).file("ud/u", "u");
        l1.file("q/a", "a");
        l2.ociWhiteout("ud").ociWhiteout("q");
        l3.file("ud/hidden", "h").file("q/hidden", "h");
        assertEquals("u", sorted(union().readdir("ud")));
        assertEquals("a", sorted(union().readdir("q")));
        UnionFs fs = union();
        fs.rename("d", "e", 0); // a redirect
        fs.mkdir("m/new", 0755, Caller.ROOT);
        fs.chmod("meta", 0600); // metacopy
        fs.link("h1", "h3", Caller.ROOT);
        fs.unlink("bottom");
        fs.mkdir("deep/up", 0700, Caller.ROOT);
        fs.symlink("x", "e/sym", Caller.ROOT);
        assertTrue(walkAndCompare(fs, "") > 25);
    }

    @Test
    void aListingOvertakenByAChangeIsNotTrusted() throws Exception {
        Trees.at(base.resolve("lower1")).file("d/a", "a").file("d/b", "b");
        Trees.at(base.resolve("lower3")).file("d/c", "c");
        UnionFs fs = union();
        Listed listed = fs.readdirListed("d");
        assertEquals("a,b,c", sorted(listed.names()));
        fs.unlink("d/a");
        fs.rename("d/c", "d/c2", 0);
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr(listed, "a")));
        assertEquals(Errno.ENOENT, errnoOf(() -> fs.getattr(listed, "c")));
        assertEquals(fs.getattr("d/b"), fs.getattr(listed, "b"));
    }
}
