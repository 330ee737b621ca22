package io.strata.store.block.blocks;

import io.strata.core.errno.FsException;
import io.strata.core.layerfs.HostRange;

/**
 * Reads the lower file behind a metadata-only copy-up. What an origin string names is the caller's business (the
 * union passes lower-layer paths); {@link HostOrigins} reads absolute host paths.
 */
public interface Origins {
    /** Reads up to len bytes at offset; fewer only at the origin's end of file. */
    int pread(String origin, long offset, byte[] buf, int off, int len) throws FsException;

    /** [offset, offset+len) of the origin as a range of an open host file, held until closed; null if not that simply. */
    default HostRange range(String origin, long offset, int len) throws FsException {
        return null;
    }
}
