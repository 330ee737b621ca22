package io.strata.core.inode;

import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.LayerFs;
import io.strata.core.xattr.OverlayXattrs;

import java.nio.charset.StandardCharsets;

/**
 * The union link count of an upper file that kernel overlayfs indexed (index=on): the upper inode also has a name in
 * WORKDIR/index, and {@code trusted.overlay.nlink} says how the union count relates to a real one: "U+N" (upper's
 * nlink + N) or "L+N" (the origin lower file's nlink + N). Anything malformed falls back to the upper's own count,
 * as in the kernel's ovl_get_nlink().
 */
public final class LinkCount {
    private LinkCount() {
    }

    /** Only files with more than one upper link can carry the attribute; everything else costs nothing. */
    public static int of(LayerFs fs, String upperHost, Stat upper, InodeNumbers inodes) throws FsException {
        if (upper.isDir() || upper.nlink() < 2) return (int) upper.nlink();
        return recorded(fs, upperHost, upper, inodes);
    }

    /** The count the attribute records (an index entry may be the inode's only upper name). */
    public static int recorded(LayerFs fs, String upperHost, Stat upper, InodeNumbers inodes) throws FsException {
        byte[] v = fs.getxattr(upperHost, OverlayXattrs.NLINK);
        if (v == null || v.length < 3) return (int) upper.nlink();
        String s = new String(v, StandardCharsets.US_ASCII);
        char base = s.charAt(0);
        int diff;
        try {
            diff = Integer.parseInt(s.substring(1).replace("+", ""));
        } catch (NumberFormatException e) {
            return (int) upper.nlink();
        }
        long n;
        if (base == 'U') {
            n = upper.nlink() + diff;
        } else if (base == 'L') {
            OriginHandle o = OriginHandle.parse(fs.getxattr(upperHost, OverlayXattrs.ORIGIN));
            Stat lower = o == null ? null : inodes.resolve(o);
            if (lower == null) return (int) upper.nlink();
            n = lower.nlink() + diff;
        } else {
            return (int) upper.nlink();
        }
        return n > 0 ? (int) n : (int) upper.nlink();
    }

    /** Records the union count relative to the upper's: stays right while links come and go in pairs. */
    public static void set(LayerFs fs, String upperHost, long unionNlink, long upperNlink) throws FsException {
        long d = unionNlink - upperNlink;
        String v = "U" + (d >= 0 ? "+" : "") + d;
        fs.setxattr(upperHost, OverlayXattrs.NLINK, v.getBytes(StandardCharsets.US_ASCII), 0);
    }
}
