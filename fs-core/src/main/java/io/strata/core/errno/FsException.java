package io.strata.core.errno;

/**
 * A failed filesystem call: carries the errno that the FUSE adapter returns. Thrown on hot paths (ENOENT during
 * lookups), so it carries no stack trace.
 */
public final class FsException extends Exception {
    private final Errno errno;

    public FsException(Errno errno, String detail) {
        super(detail, null, false, false);
        this.errno = errno;
    }

    public FsException(Errno errno) {
        this(errno, null);
    }

    public Errno errno() {
        return errno;
    }

    @Override
    public String getMessage() {
        String d = super.getMessage();
        return d == null ? errno.name() : errno.name() + ": " + d;
    }
}
