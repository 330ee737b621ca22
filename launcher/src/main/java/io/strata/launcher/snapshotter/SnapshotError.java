package io.strata.launcher.snapshotter;

/** A snapshotter failure with the errdefs class containerd gives it; the gRPC layer sends it as that status code. */
public final class SnapshotError extends RuntimeException {
    /** containerd's errdefs that a snapshotter returns, by their gRPC names. */
    public enum Code { NOT_FOUND, ALREADY_EXISTS, FAILED_PRECONDITION, INVALID_ARGUMENT }

    private final Code code;

    public SnapshotError(Code code, String message) {
        super(message);
        this.code = code;
    }

    public Code code() {
        return code;
    }

    static SnapshotError notFound(String what) {
        return new SnapshotError(Code.NOT_FOUND, what + ": not found");
    }
}
