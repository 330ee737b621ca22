package io.strata.core.xattr;

import java.nio.charset.StandardCharsets;

/**
 * The extended attributes that make a directory an overlay layer (kernel overlayfs' on-disk format), and how names
 * the union's callers use map to names on disk. Like the kernel (6.7+, "escaped" overlay xattrs), a caller may set
 * {@code trusted.overlay.X} on a union object: it is stored as {@code trusted.overlay.overlay.X} and shown back under
 * its own name, while the layer's real markers ({@code trusted.overlay.opaque}, {@code .origin}, …) stay hidden.
 */
public final class OverlayXattrs {
    public static final String PREFIX = "trusted.overlay.";
    public static final String OPAQUE = PREFIX + "opaque";
    public static final String REDIRECT = PREFIX + "redirect";
    public static final String METACOPY = PREFIX + "metacopy";
    public static final String ORIGIN = PREFIX + "origin";
    public static final String WHITEOUT = PREFIX + "whiteout";
    public static final String NLINK = PREFIX + "nlink";
    /** Where a caller's own trusted.overlay.X is kept on disk. */
    public static final String ESCAPED_PREFIX = PREFIX + "overlay.";

    public static final byte[] YES = "y".getBytes(StandardCharsets.UTF_8);

    private OverlayXattrs() {
    }

    /** True for the layer's own markers: on disk under trusted.overlay. but not an escaped caller attribute. */
    public static boolean isPrivate(String diskName) {
        return diskName.startsWith(PREFIX) && !diskName.startsWith(ESCAPED_PREFIX);
    }

    /** The on-disk name of an attribute a caller names. */
    public static String toDisk(String callerName) {
        return callerName.startsWith(PREFIX) ? ESCAPED_PREFIX + callerName.substring(PREFIX.length()) : callerName;
    }

    /** The caller's name for an on-disk attribute, or null when the attribute is the layer's own (hidden). */
    public static String fromDisk(String diskName) {
        if (!diskName.startsWith(PREFIX)) return diskName;
        if (diskName.startsWith(ESCAPED_PREFIX)) return "trusted." + diskName.substring(PREFIX.length());
        return null;
    }
}
