package io.strata.store.block.diff;

import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Directories;
import io.strata.store.block.inode.Dirent;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.inode.Inodes;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import org.rocksdb.RocksIterator;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Differences between two points, found from the keys of the generations that one chain has and the other has not
 * — proportional to what changed, never a walk of either tree. A name whose entry changed is A/C/D by its entries
 * at both points; an inode whose record or blocks changed is C at its path (its first link). Whiteouts count as
 * deletions (they delete a lower file in the union); a file copied up by origin counts as changed, not added.
 */
public final class Diff {
    private final StoreDb db;
    private final long root;

    public Diff(StoreDb db, long rootIno) {
        this.db = db;
        this.root = rootIno;
    }

    private record Name(long dir, String name) {
    }

    public List<Change> between(Chain a, Chain b) throws FsException {
        Set<Name> names = new HashSet<>();
        Set<Long> meta = new HashSet<>(), data = new HashSet<>();
        long[] changed = a == null ? b.gens() : concat(b.notIn(a), a.notIn(b));
        for (long g : changed) collect(g, names, meta, data);
        TreeSet<Change> out = new TreeSet<>();
        Paths pa = a == null ? null : new Paths(a), pb = new Paths(b);
        for (Name n : names) {
            Dirent ea = a == null ? null : Directories.lookup(db, a, n.dir, n.name);
            Dirent eb = Directories.lookup(db, b, n.dir, n.name);
            boolean realA = ea != null && !ea.whiteout(), realB = eb != null && !eb.whiteout();
            if (realB) {
                if (realA && ea.ino() == eb.ino()) continue;
                Inode nb = Inodes.getOrNull(db, b, eb.ino());
                boolean copyUp = nb != null && nb.origin != null;
                out.add(new Change(realA || copyUp ? 'C' : 'A', pb.of(n.dir, n.name)));
            } else if (eb != null) { // a whiteout at b
                if (ea == null || realA) out.add(new Change('D', pb.of(n.dir, n.name)));
            } else if (realA) {
                out.add(new Change('D', pa.of(n.dir, n.name)));
            }
        }
        if (a != null) {
            Set<Long> inos = new HashSet<>(meta);
            inos.addAll(data);
            for (long ino : inos) {
                if (ino == root) continue;
                Inode na = Inodes.getOrNull(db, a, ino), nb = Inodes.getOrNull(db, b, ino);
                if (na == null || nb == null) continue; // created or deleted: reported by name
                if (data.contains(ino) || !Arrays.equals(na.encode(), nb.encode()))
                    out.add(new Change('C', pb.of(ino)));
            }
        }
        // a path both added and changed (replaced, then written) is one line
        Map<String, Change> byPath = new HashMap<>();
        for (Change c : out) byPath.merge(c.path(), c, (x, y) -> x.kind() == 'C' ? y : x);
        return new ArrayList<>(new TreeSet<>(byPath.values()));
    }

    private static long[] concat(long[] x, long[] y) {
        long[] r = Arrays.copyOf(x, x.length + y.length);
        System.arraycopy(y, 0, r, x.length, y.length);
        return r;
    }

    private void collect(long gen, Set<Name> names, Set<Long> meta, Set<Long> data) {
        byte[] lo = Keys.genPrefix(gen), hi = Keys.genPrefix(gen + 1);
        try (RocksIterator it = db.rocks().newIterator(db.inodes)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next()) meta.add(Keys.ino(it.key()));
        }
        try (RocksIterator it = db.rocks().newIterator(db.dirents)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; it.next())
                names.add(new Name(Keys.ino(it.key()), Keys.direntName(it.key())));
        }
        try (RocksIterator it = db.rocks().newIterator(db.blocks)) {
            for (it.seek(lo); it.isValid() && Arrays.compareUnsigned(it.key(), hi) < 0; ) {
                long ino = Keys.ino(it.key());
                data.add(ino);
                it.seek(Keys.inodePrefix(gen, ino + 1)); // one inode's blocks are one range: skip the rest
            }
        }
    }

    /** Paths of inodes at one point, by their first link, cached. */
    private final class Paths {
        private final Chain chain;
        private final Map<Long, String> known = new HashMap<>();

        Paths(Chain chain) {
            this.chain = chain;
            known.put(root, "");
        }

        String of(long dir, String name) throws FsException {
            return of(dir) + "/" + name;
        }

        String of(long ino) throws FsException {
            String p = known.get(ino);
            if (p != null) return p;
            List<String> parts = new ArrayList<>();
            long at = ino;
            for (int guard = 0; !known.containsKey(at) && guard < 4096; guard++) {
                Inode n = Inodes.getOrNull(db, chain, at);
                if (n == null || n.parent == 0) return "/?" + ino;
                parts.add(n.name);
                at = n.parent;
            }
            StringBuilder sb = new StringBuilder(known.getOrDefault(at, "/?"));
            for (int i = parts.size() - 1; i >= 0; i--) sb.append('/').append(parts.get(i));
            known.put(ino, sb.toString());
            return sb.toString();
        }
    }
}
