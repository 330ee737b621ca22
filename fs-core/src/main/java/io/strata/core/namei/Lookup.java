package io.strata.core.namei;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layer.Paths;
import io.strata.core.whiteout.Whiteouts;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Path resolution across layers, one component at a time (overlayfs' namei.c): whiteouts end a lookup, opaque
 * directories stop the descent into lower layers, redirects send it elsewhere, a non-directory hides everything below.
 *
 * <p>Resolved nodes are cached like dentries: the structure of a path (which layers hold it, with which markers) only
 * changes through the union's own calls, which bracket themselves with {@link #beginChange}/{@link #endChange} and
 * {@link #invalidate} what they touch. Attributes that change without a structural change (size, times) are read
 * afresh by the caller; only the structure is trusted from the cache.
 *
 * <p>Names that do not exist are cached too (negative dentries), with whether the upper layer holds nothing at the name
 * or a whiteout: a create asks again right after the kernel's lookup missed, and then needs to know which
 * ({@link #upperHoldsNothing}). The same calls invalidate them: every union change at a name invalidates that name.
 */
public final class Lookup {
    /**
     * Cached paths at most (then the cache starts over); about 0.35 KiB of heap each. -Dstrata.lookup.cacheMax: the
     * store daemon, whose small heap also holds every mount's kernel nodes, sets a smaller one.
     */
    static final int CACHE_MAX = Integer.getInteger("strata.lookup.cacheMax", 200_000);

    /** Cached for a name that is not in the union and of which the upper layer holds nothing. */
    private static final Node ABSENT = new Node("", null, List.of(), "", false);
    /** Cached for a name that is not in the union because the upper layer holds a whiteout or OCI marker for it. */
    private static final Node WHITED_OUT = new Node("", null, List.of(), "", false);

    private final LayerStack layers;
    private final ConcurrentHashMap<String, Node> cache = new ConcurrentHashMap<>();
    /** Cached paths by parent path, so that invalidating a directory visits only what is cached below it. */
    private final ConcurrentHashMap<String, Set<String>> children = new ConcurrentHashMap<>();
    /** Odd while a change is under way: a lookup that overlaps a change is not cached (a seqlock). */
    private final AtomicLong changes = new AtomicLong();

    public Lookup(LayerStack layers) {
        this.layers = layers;
    }

    /** Call before changing the layers (under the union's namespace lock). */
    public void beginChange() {
        changes.incrementAndGet();
    }

    public void endChange() {
        changes.incrementAndGet();
    }

    /** The change sequence now: a {@link Listed} taken after it resolves its entries only while it is unchanged. */
    public long changeSeq() {
        return changes.get();
    }

    /** Forgets what is cached for path and everything below it: the cost is what was cached there, not the cache. */
    public void invalidate(String path) {
        cache.remove(path);
        Set<String> below = children.remove(path);
        if (below != null) for (String child : below) invalidate(child);
    }

    /**
     * Forgets the node at path but keeps what is cached below it: for a change that alters the node and none of its
     * descendants' resolution (a lower directory copied up: the new upper directory is empty and has no markers, so
     * every name below it resolves as before).
     */
    public void invalidateNode(String path) {
        cache.remove(path);
    }

    private void remember(String path, Node n, long seq) {
        if ((seq & 1) != 0 || changes.get() != seq) return;
        put(path, n);
        if (changes.get() != seq) cache.remove(path, n);
    }

    /**
     * A change (under the union's namespace lock) just made a regular file in the upper layer at a name that was free
     * in the union, with no overlay xattrs: caches the node a lookup would now resolve (an upper-only file), so the
     * caller's next question needs no lookup.
     */
    public Node created(String path, Stat upper) {
        Node n = new Node(path, upper, List.of(), path, false);
        invalidate(path);
        put(path, n);
        return n;
    }

    private void put(String path, Node n) {
        if (cache.size() >= CACHE_MAX) {
            cache.clear();
            children.clear();
        }
        // link the path into its parent's set, and so on up until a link exists (then all above it exist too: an
        // invalidation removes whole sets below the path it invalidates)
        for (String p = path; !p.isEmpty(); p = Paths.parent(p)) {
            if (!children.computeIfAbsent(Paths.parent(p), k -> ConcurrentHashMap.newKeySet()).add(p)) break;
        }
        cache.put(path, n);
    }

    public Node root() throws FsException {
        DirLayer upper = layers.upper();
        Stat up = upper == null ? null : upper.lstat("");
        List<Node.Hit> hits = new ArrayList<>();
        for (int i = 0; i < layers.lowerCount(); i++) {
            DirLayer l = layers.lower(i);
            Stat st = l.lstat("");
            if (st == null) continue;
            hits.add(new Node.Hit(i, "", st));
        }
        if (up == null && hits.isEmpty()) throw new FsException(Errno.ENOENT, "no layer has a root");
        return new Node("", up, List.copyOf(hits), "", false);
    }

    /** Resolves a union path; ENOENT or ENOTDIR as the kernel would answer. */
    public Node resolve(String path) throws FsException {
        Node n = cache.get(path);
        if (absent(n)) throw new FsException(Errno.ENOENT, path);
        // a hard-linked metacopy file's data may have been completed through another of its names: look again
        if (n != null && (!n.metacopy() || n.upper().nlink() < 2 || layers.upper().isMetacopy(path))) return n;
        long seq = changes.get();
        if (path.isEmpty()) {
            n = root();
        } else {
            Node parent = resolve(Paths.parent(path));
            if (!parent.isDir()) throw new FsException(Errno.ENOTDIR, path);
            n = find(parent, Paths.name(path), path, null);
            if (absent(n)) {
                remember(path, n, seq);
                throw new FsException(Errno.ENOENT, path);
            }
        }
        remember(path, n, seq);
        return n;
    }

    private static boolean absent(Node n) {
        return n == ABSENT || n == WHITED_OUT;
    }

    /**
     * Is path known (from the cache) to be free in the union with nothing at all at it in the upper layer (no whiteout,
     * no marker)? False also when that is not known: then ask the upper layer.
     */
    public boolean upperHoldsNothing(String path) {
        return cache.get(path) == ABSENT;
    }

    /** Resolves a path, or null when it does not exist (its parent must). */
    public Node resolveOrNull(String path) throws FsException {
        if (path.isEmpty()) return root();
        Node parent = resolve(Paths.parent(path));
        if (!parent.isDir()) throw new FsException(Errno.ENOTDIR, path);
        return child(parent, Paths.name(path));
    }

    /** Like {@link #resolveOrNull}, but a missing or non-directory parent also answers null. */
    public Node resolveOrNullQuietly(String path) throws FsException {
        try {
            return resolveOrNull(path);
        } catch (FsException e) {
            if (e.errno() == io.strata.core.errno.Errno.ENOENT || e.errno() == io.strata.core.errno.Errno.ENOTDIR) return null;
            throw e;
        }
    }

    /**
     * An entry of a merged listing, resolved from what the listing learned (the lookup a readdirplus answers with):
     * as {@link #resolve} would, and cached like it, but asking only the layers that listed the name. A listing that a
     * change may have overtaken is not trusted: then this is a plain {@link #resolve}.
     */
    public Node resolveListed(Listed dir, String name) throws FsException {
        String path = Paths.join(dir.dir().path(), name);
        if (cache.containsKey(path) || (dir.seq() & 1) != 0 || changes.get() != dir.seq()) return resolve(path);
        Node n = find(dir.dir(), name, path, dir);
        if (absent(n)) throw new FsException(Errno.ENOENT, path);
        remember(path, n, dir.seq());
        return n;
    }

    /** One component below a directory node, or null when the name does not exist in the union. */
    public Node child(Node parent, String name) throws FsException {
        if (Paths.nameBytes(name) > Paths.NAME_MAX) throw new FsException(Errno.ENAMETOOLONG, name);
        String path = Paths.join(parent.path(), name);
        if (absent(cache.get(path))) return null;
        long seq = changes.get();
        Node n = find(parent, name, path, null);
        if (!absent(n)) return n;
        remember(path, n, seq);
        return null;
    }

    /**
     * One component below a directory node, or {@link #ABSENT}/{@link #WHITED_OUT} when the name does not exist in the
     * union. With listed (parent's listing, still current), the layers whose listing does not hold the name are not
     * asked: there lstat finds nothing and no marker names it, so the answer is the same. path is parent's path/name:
     * the caller's String, which the node and the cache then share.
     */
    private Node find(Node parent, String name, String path, Listed listed) throws FsException {
        if (Paths.nameBytes(name) > Paths.NAME_MAX) throw new FsException(Errno.ENAMETOOLONG, name);
        Stat up = null;
        boolean metacopy = false;
        String redirect = null;
        DirLayer upper = layers.upper();
        if (parent.upper() != null && parent.upper().isDir()) {
            if (upper.isMarkerName(name)) return WHITED_OUT; // not ABSENT: the name itself is not free for a create
            Stat st = listed == null || listed.inUpper(name) ? upper.lstat(path) : null;
            if (st != null) {
                if (upper.isWhiteout(path, st)) return WHITED_OUT;
                up = st;
                if (st.isDir()) {
                    if (upper.isOpaque(path)) return new Node(path, up, List.of(), path, false);
                    redirect = upper.dirRedirect(path);
                    // an OCI marker beside it deleted the lower directory of that name: this one is new (opaque)
                    if (redirect == null && upperOciWhiteout(upper, parent, name, listed))
                        return new Node(path, up, List.of(), path, false);
                } else if (st.isRegular() && layers.metacopy() && upper.isMetacopy(path)) {
                    metacopy = true;
                    redirect = upper.fileRedirect(path);
                } else {
                    return new Node(path, up, List.of(), path, false);
                }
            } else if (upperOciWhiteout(upper, parent, name, listed)) {
                return WHITED_OUT;
            }
        }
        // names that are the same path share one String (the cache holds a node per name the kernel knows)
        String lowerPath = redirect == null ? joinSharing(parent.lowerPath(), name, parent.path(), path)
                : redirect.startsWith("/") ? Paths.fromAbsolute(redirect) : Paths.join(parent.lowerPath(), redirect);
        boolean redirected = redirect != null;
        List<Node.Hit> hits = new ArrayList<>(2);
        int[] listedIn = listed == null || redirected ? null : listed.lowers(name);
        int next = 0;
        for (int i = 0; i < layers.lowerCount(); i++) {
            if (listedIn != null && !redirected) { // until a redirect leads elsewhere, only where the listing saw it
                if (next == listedIn.length) break;
                i = listedIn[next++];
            }
            DirLayer l = layers.lower(i);
            String rel;
            String dirRel;
            if (redirected) {
                rel = lowerPath;
                dirRel = Paths.parent(rel);
                if (!isDirChain(l, dirRel)) continue;
            } else {
                Node.Hit ph = parent.hitIn(i);
                if (ph == null || !ph.stat().isDir()) continue;
                dirRel = ph.rel();
                rel = joinSharing(dirRel, name, parent.path(), path);
            }
            Stat st = l.mayHold(dirRel, Paths.name(rel)) ? l.lstat(rel) : null;
            boolean ownWhiteout = st != null && l.isWhiteout(rel, st);
            if (st != null && !ownWhiteout && !l.isMarkerName(Paths.name(rel))) {
                Stat top = up != null ? up : hits.isEmpty() ? null : hits.get(0).stat();
                if (top == null) {
                    hits.add(new Node.Hit(i, rel, st));
                    if (!st.isDir()) break;
                } else if (top.isDir()) {
                    if (!st.isDir()) break; // a non-directory below a directory is hidden, and so is all below it
                    hits.add(new Node.Hit(i, rel, st));
                } else { // metacopy upper: the first regular file below holds the data
                    if (st.isRegular()) hits.add(new Node.Hit(i, rel, st));
                    break;
                }
                if (st.isDir()) {
                    if (l.isOpaque(rel)) break;
                    String r = l.dirRedirect(rel);
                    if (r != null) {
                        lowerPath = r.startsWith("/") ? Paths.fromAbsolute(r) : Paths.join(Paths.parent(rel), r);
                        redirected = true;
                    }
                }
            }
            if (ownWhiteout || l.hasOciWhiteout(dirRel, Paths.name(rel))) break;
        }
        if (up == null && hits.isEmpty()) return ABSENT;
        if (up == null && !redirected) lowerPath = hits.get(0).rel();
        return new Node(path, up, List.copyOf(hits), lowerPath, metacopy && !hits.isEmpty());
    }

    /** dir/name, as the String path when dir is the String parentPath (path = parentPath/name), else a new one. */
    private static String joinSharing(String dir, String name, String parentPath, String path) {
        return dir.equals(parentPath) ? path : Paths.join(dir, name);
    }

    /**
     * Does some lower layer hold an object named name under parent (overlayfs' ovl_lower_positive)? Deleting or
     * renaming away such a name must leave a whiteout.
     */
    public boolean lowerPositive(Node parent, String name) throws FsException {
        for (Node.Hit ph : parent.lowers()) {
            if (!ph.stat().isDir()) continue;
            DirLayer l = layers.lower(ph.layer());
            String rel = Paths.join(ph.rel(), name);
            Stat st = l.mayHold(ph.rel(), name) ? l.lstat(rel) : null;
            if (st != null && !l.isMarkerName(name)) return !l.isWhiteout(rel, st);
            if (l.hasOciWhiteout(ph.rel(), name)) return false;
        }
        return false;
    }

    private static boolean upperOciWhiteout(DirLayer upper, Node parent, String name, Listed listed) throws FsException {
        if (listed == null) return upper.hasOciWhiteout(parent.path(), name);
        return upper.honoursOciMarkers() && listed.inUpper(Whiteouts.ociWhiteoutFor(name));
    }

    /** A redirect names a path from the layer root: every component of its parent must be a real directory. */
    private static boolean isDirChain(DirLayer l, String dirRel) throws FsException {
        if (dirRel.isEmpty()) return true;
        String p = "";
        for (String c : dirRel.split("/")) {
            p = Paths.join(p, c);
            Stat st = l.lstat(p);
            if (st == null || !st.isDir()) return false;
        }
        return true;
    }
}
