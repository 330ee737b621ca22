package io.strata.core.xattr;

import java.nio.charset.StandardCharsets;

/**
 * The extended attributes that make a directory an overlay layer (kernel overlayfs' on-disk format), and Strata's own.
 * Callers of the union never see or set these: they are filtered like the kernel filters "trusted.overlay.".
 */
public final class OverlayXattrs {
    public static final String PREFIX = "trusted.overlay.";
    public static final String OPAQUE = PREFIX + "opaque";
    public static final String REDIRECT = PREFIX + "redirect";
    public static final String METACOPY = PREFIX + "metacopy";
    public static final String ORIGIN = PREFIX + "origin";
    public static final String WHITEOUT = PREFIX + "whiteout";
    /** Strata's private attributes (the inode number an upper object inherited at copy-up). */
    public static final String STRATA_PREFIX = "trusted.strata.";
    public static final String STRATA_INO = STRATA_PREFIX + "ino";

    public static final byte[] YES = "y".getBytes(StandardCharsets.UTF_8);

    private OverlayXattrs() {
    }

    /** True for names the union keeps to itself: hidden from listxattr, refused by get/set/remove. */
    public static boolean isPrivate(String name) {
        return name.startsWith(PREFIX) || name.startsWith(STRATA_PREFIX);
    }
}
