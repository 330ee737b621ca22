package io.strata.core.errno;

/** Linux errno values (asm-generic numbering, as on x86_64 and aarch64). The one table Strata uses. */
public enum Errno {
    EPERM(1), ENOENT(2), ESRCH(3), EIO(5), ENXIO(6), E2BIG(7), EBADF(9), EAGAIN(11), ENOMEM(12), EACCES(13),
    EBUSY(16), EEXIST(17), EXDEV(18), ENODEV(19), ENOTDIR(20), EISDIR(21), EINVAL(22), ENFILE(23), EMFILE(24),
    ENOTTY(25), ETXTBSY(26), EFBIG(27), ENOSPC(28), ESPIPE(29), EROFS(30), EMLINK(31), ERANGE(34), ENAMETOOLONG(36),
    ENOSYS(38), ENOTEMPTY(39), ELOOP(40), ENODATA(61), EOVERFLOW(75), EOPNOTSUPP(95), EDQUOT(122), ESTALE(116);

    public final int code;

    Errno(int code) {
        this.code = code;
    }

    private static final Errno[] BY_CODE = new Errno[256];

    static {
        for (Errno e : values()) BY_CODE[e.code] = e;
    }

    /** The enum for a raw errno; unknown values map to EIO so that nothing below the adapter invents numbers. */
    public static Errno of(int code) {
        Errno e = code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return e != null ? e : EIO;
    }

    /** Like {@link #of} but keeps unknown raw numbers visible in messages. */
    public static String describe(int code) {
        Errno e = code > 0 && code < BY_CODE.length ? BY_CODE[code] : null;
        return e != null ? e.name() : "errno " + code;
    }
}
