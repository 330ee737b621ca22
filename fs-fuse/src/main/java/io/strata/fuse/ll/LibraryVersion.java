package io.strata.fuse.ll;

import jnr.ffi.LibraryLoader;

/** The version of the libfuse 3 that the low-level adapter binds, as libfuse reports it (fuse_pkgversion). */
public final class LibraryVersion {
    /** The one function this needs, kept apart from {@link LibFuse3} so that asking costs no request bindings. */
    public interface PkgVersion {
        String fuse_pkgversion();
    }

    private LibraryVersion() {
    }

    /** "3.14.0", or null when libfuse3 cannot be loaded here. */
    public static String get() {
        for (String lib : new String[] {"fuse3", "/usr/lib/x86_64-linux-gnu/libfuse3.so.3"}) {
            try {
                return LibraryLoader.create(PkgVersion.class).failImmediately().load(lib).fuse_pkgversion();
            } catch (UnsatisfiedLinkError e) {
                // next candidate
            }
        }
        return null;
    }
}
