package io.strata.core.layerfs;

/**
 * Where the bytes a read returns lie, all of them, in one host file: {@link #length} bytes of {@link #fd} from
 * {@link #offset} (so a read can be answered from the descriptor, spliced, instead of copied through the JVM). The
 * descriptor stays open until {@link #close}.
 */
public interface HostRange extends AutoCloseable {
    int fd();

    long offset();

    /** The bytes the read returns: the request clamped at end of file, never 0. */
    int length();

    @Override
    void close();

    /** A range whose close runs release. */
    static HostRange of(int fd, long offset, int length, Runnable release) {
        return new Held(fd, offset, length, release);
    }

    record Held(int fd, long offset, int length, Runnable release) implements HostRange {
        @Override
        public void close() {
            release.run();
        }
    }
}
