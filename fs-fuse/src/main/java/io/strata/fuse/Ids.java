package io.strata.fuse;

import io.strata.core.options.IdMapping;
import io.strata.core.union.Caller;

/**
 * The uid/gid mapping between the caller's side of the mount (inside) and the layers (outside), shared by both FUSE
 * adapters: who the caller is, whose files a stat shows, whom a chown means.
 */
public final class Ids {
    public static final int NOBODY = 65534;

    private final IdMapping uids, gids;

    public Ids(IdMapping uids, IdMapping gids) {
        this.uids = uids;
        this.gids = gids;
    }

    /** The caller as the layers see it; unmapped ids become nobody. */
    public Caller caller(int uid, int gid) {
        int u = uids.toOutside(uid);
        int g = gids.toOutside(gid);
        return new Caller(u < 0 ? NOBODY : u, g < 0 ? NOBODY : g);
    }

    public int uidInside(int outside) {
        return uids.toInside(outside);
    }

    public int gidInside(int outside) {
        return gids.toInside(outside);
    }

    /** chown's uid (-1 = unchanged) as the layers see it; null if it has no mapping (EINVAL). */
    public Integer uidOutside(int inside) {
        if (inside == -1) return -1;
        int u = uids.toOutside(inside);
        return u == -1 ? null : u;
    }

    /** chown's gid (-1 = unchanged) as the layers see it; null if it has no mapping (EINVAL). */
    public Integer gidOutside(int inside) {
        if (inside == -1) return -1;
        int g = gids.toOutside(inside);
        return g == -1 ? null : g;
    }
}
