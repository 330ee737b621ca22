package io.strata.core.whiteout;

import io.strata.core.host.Stat;

/**
 * The three ways a layer says "deleted" and the two ways it says "opaque". Kernel overlayfs' format: a whiteout is a
 * character device 0/0 (or, since 6.7, an empty file with {@code trusted.overlay.whiteout}); an opaque directory has
 * {@code trusted.overlay.opaque=y}. OCI layer tars use {@code .wh.NAME} and {@code .wh..wh..opq}; Strata honours those
 * in lower layers (a layer extracted as-is), and with {@code tar_whiteouts=all} in the upper too (as fuse-overlayfs
 * does), where such a marker hides the name in the layers below it, never in its own layer.
 */
public final class Whiteouts {
    public static final String OCI_PREFIX = ".wh.";
    public static final String OCI_OPAQUE = ".wh..wh..opq";

    private Whiteouts() {
    }

    public static boolean isWhiteoutDevice(Stat st) {
        return isWhiteoutDevice(st.mode(), st.rdev());
    }

    /** A 0/0 character device: overlayfs' whiteout, whatever layer holds it. */
    public static boolean isWhiteoutDevice(int mode, long rdev) {
        return (mode & Stat.S_IFMT) == Stat.S_IFCHR && rdev == 0;
    }

    /** Candidates for an xattr whiteout: only empty regular files need the extra getxattr. */
    public static boolean mayBeXattrWhiteout(Stat st) {
        return st.isRegular() && st.size() == 0;
    }

    public static boolean isOciMarker(String name) {
        return name.startsWith(OCI_PREFIX);
    }

    public static String ociWhiteoutFor(String name) {
        return OCI_PREFIX + name;
    }
}
