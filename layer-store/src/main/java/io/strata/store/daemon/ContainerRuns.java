package io.strata.store.daemon;

import io.strata.core.errno.FsException;
import io.strata.store.block.BlockStore;

import java.util.List;

/**
 * The container runs a daemon supervises ({@code strata run}; the namespaces, cgroups and the helper live in the
 * launcher, which provides this). A run is registered with the process that owns it; when that process is gone the
 * daemon cleans up after it (unmount, cgroups, --rm), whatever killed it. Requests named {@code run-*} go here.
 */
public interface ContainerRuns extends AutoCloseable {
    /**
     * The store is open: start supervising (and clean up what a previous daemon's runs left). requests is the
     * daemon's own request handling, for a run request that makes others in-process (a native client's run).
     */
    void open(BlockStore store, Requests requests);

    /** The daemon's request handling, called in-process. */
    @FunctionalInterface
    interface Requests {
        List<String> handle(List<String> request) throws FsException;
    }

    /** Answers a request whose name starts with "run-". */
    List<String> handle(List<String> request) throws FsException;

    /** A container's state for ps: "Up 5 seconds", "Exited (0) 3 seconds ago", or "Created". */
    String status(String container);

    /** The container is about to be removed: EBUSY while it runs; forgets its last run otherwise. */
    void remove(String container) throws FsException;

    /** How many runs are live (the daemon does not exit while any is). */
    int active();

    /** Stops every live run and cleans up after it (the daemon is stopping). */
    @Override
    void close();

    ContainerRuns NONE = new ContainerRuns() {
        @Override
        public void open(BlockStore store, Requests requests) {
        }

        @Override
        public List<String> handle(List<String> request) throws FsException {
            throw new FsException(io.strata.core.errno.Errno.ENOSYS, "this daemon runs no containers");
        }

        @Override
        public String status(String container) {
            return "Created";
        }

        @Override
        public void remove(String container) {
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
