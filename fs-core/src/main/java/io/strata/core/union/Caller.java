package io.strata.core.union;

/** Who makes a call: new objects belong to the caller's fsuid/fsgid, as on any Linux filesystem. */
public record Caller(int uid, int gid) {
    public static final Caller ROOT = new Caller(0, 0);
}
