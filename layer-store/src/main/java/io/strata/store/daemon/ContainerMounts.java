package io.strata.store.daemon;

import io.strata.core.errno.FsException;
import io.strata.store.block.BlockStore;

import java.nio.file.Path;
import java.util.List;

/**
 * The container mounts a daemon serves from its own JVM (the FUSE side lives in the launcher, which depends on
 * fs-fuse; the store does not). A mount ends by `strata umount`, a plain umount, or the daemon stopping.
 */
public interface ContainerMounts extends AutoCloseable {
    /** How long a request refused because a layer is open waits for mounts that were just unmounted to let go. */
    long SETTLE_MILLIS = 2000;

    /** Mounts container (or container@snapshot, read-only) at mountPoint; returns once it is live. */
    void mount(BlockStore store, String container, String snapshot, Path mountPoint) throws FsException;

    /** The live mounts, one line each: mount point, container[@snapshot]. Ended ones are cleaned up first. */
    List<String> list() throws FsException;

    /**
     * Closes the layers of mounts that are gone, waiting up to millis for those whose session has not ended yet (a
     * plain umount ends it a moment after umount(2) returns); true if a layer was closed. A request refused because a
     * layer is open (EBUSY) asks this and tries once more, so `umount` then `snapshot restore` works at once.
     */
    default boolean settle(long millis) {
        return false;
    }

    /** How many mounts are live (the daemon does not exit while any is). */
    int active();

    /** Unmounts everything (the daemon is stopping). */
    @Override
    void close();

    /** After {@link #close}: whether every mount stopped being served (else the store must stay open under it). */
    default boolean allEnded() {
        return true;
    }

    ContainerMounts NONE = new ContainerMounts() {
        @Override
        public void mount(BlockStore store, String container, String snapshot, Path mountPoint) throws FsException {
            throw new FsException(io.strata.core.errno.Errno.ENOSYS, "this daemon serves no mounts");
        }

        @Override
        public List<String> list() {
            return List.of();
        }

        @Override
        public int active() {
            return 0;
        }

        @Override
        public void close() {
        }
    };
}
