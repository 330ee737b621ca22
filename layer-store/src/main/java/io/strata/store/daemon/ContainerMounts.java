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
    /** Mounts container (or container@snapshot, read-only) at mountPoint; returns once it is live. */
    void mount(BlockStore store, String container, String snapshot, Path mountPoint) throws FsException;

    /** The live mounts, one line each: mount point, container[@snapshot]. Ended ones are cleaned up first. */
    List<String> list() throws FsException;

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
