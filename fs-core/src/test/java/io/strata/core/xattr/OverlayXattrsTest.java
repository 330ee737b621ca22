package io.strata.core.xattr;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OverlayXattrsTest {
    @Test
    void callersOverlayNamesAreEscapedOnDiskLikeTheKernel() {
        assertEquals("trusted.overlay.overlay.opaque", OverlayXattrs.toDisk("trusted.overlay.opaque"));
        assertEquals("trusted.overlay.opaque", OverlayXattrs.fromDisk("trusted.overlay.overlay.opaque"));
        assertEquals("user.x", OverlayXattrs.toDisk("user.x"));
        assertEquals("user.x", OverlayXattrs.fromDisk("user.x"));
        assertNull(OverlayXattrs.fromDisk("trusted.overlay.origin"));
        assertTrue(OverlayXattrs.isPrivate("trusted.overlay.redirect"));
        assertFalse(OverlayXattrs.isPrivate("trusted.overlay.overlay.redirect"));
    }
}
