package io.strata.store.block.diff;

import io.strata.core.errno.FsException;
import io.strata.core.whiteout.Whiteouts;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.inode.Dirent;
import io.strata.store.block.inode.Directories;
import io.strata.store.block.inode.Inode;
import io.strata.store.block.inode.Inodes;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.union.BlockUnion;

import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A layer's changes as the union shows them (docker diff's lines): a mounted container keeps the union's upper
 * directory in /upper in overlay format (its work directory, /work, is no part of the union). So "/upper/etc/motd"
 * is "/etc/motd"; a 0/0 character device is a deletion (D); an added path that a lower layer also has is a change (C).
 */
public final class UnionDiff {
    private static final String UPPER = BlockUnion.UPPER;

    private UnionDiff() {
    }

    public static List<Change> of(List<Change> raw, StoreDb db, Chain head, long rootIno, List<Path> lowers) throws FsException {
        List<Change> out = new ArrayList<>();
        boolean union = raw.stream().anyMatch(c -> c.path().equals(UPPER) || c.path().startsWith(UPPER + "/"));
        // a layer never mounted through the union has no upper directory: its changes are shown as they are
        for (Change c : raw) {
            String p = c.path();
            if (!union) {
                out.add(c);
                continue;
            }
            if (!p.startsWith(UPPER + "/")) continue; // /upper itself, /work and below
            String path = p.substring(UPPER.length());
            char kind = c.kind();
            if (kind != 'D') {
                Inode n = head == null ? null : stat(db, head, rootIno, p);
                if (n != null && Whiteouts.isWhiteoutDevice(n.mode, n.rdev)) kind = 'D';
                else if (kind == 'A' && inLowers(lowers, path)) kind = 'C';
            }
            out.add(new Change(kind, path));
        }
        return out;
    }

    private static boolean inLowers(List<Path> lowers, String path) {
        for (Path l : lowers) if (Files.exists(l.resolve(path.substring(1)), LinkOption.NOFOLLOW_LINKS)) return true;
        return false;
    }

    private static Inode stat(StoreDb db, Chain c, long root, String path) throws FsException {
        long ino = root;
        for (String name : path.substring(1).split("/")) {
            Dirent e = Directories.lookup(db, c, ino, name);
            if (e == null || e.whiteout()) return null;
            ino = e.ino();
        }
        return Inodes.getOrNull(db, c, ino);
    }
}
