package io.strata.store.block.inode;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.db.StoreDb;
import io.strata.store.block.keys.Keys;
import io.strata.store.block.snapshot.Chain;
import io.strata.store.block.txn.Txn;

/** Inode records of one point: read through the chain, written into its head generation. */
public final class Inodes {
    private Inodes() {
    }

    public static Inode get(StoreDb db, Chain chain, long ino) throws FsException {
        byte[] v = chain.get(db, db.inodes, Keys.inode(0, ino));
        if (v == null) throw new FsException(Errno.ENOENT, "inode " + ino);
        return Inode.decode(ino, v);
    }

    public static Inode getOrNull(StoreDb db, Chain chain, long ino) throws FsException {
        byte[] v = chain.get(db, db.inodes, Keys.inode(0, ino));
        return v == null ? null : Inode.decode(ino, v);
    }

    public static Inode dir(StoreDb db, Chain chain, long ino) throws FsException {
        Inode n = get(db, chain, ino);
        if (!n.isDir()) throw new FsException(Errno.ENOTDIR, "inode " + ino);
        return n;
    }

    /** ENOENT or ENOTDIR unless ino is a directory; reads only the type from the record. */
    public static void checkDir(StoreDb db, Chain chain, long ino) throws FsException {
        byte[] v = chain.get(db, db.inodes, Keys.inode(0, ino));
        if (v == null) throw new FsException(Errno.ENOENT, "inode " + ino);
        if ((Inode.modeOf(ino, v) & Inode.S_IFMT) != Inode.S_IFDIR) throw new FsException(Errno.ENOTDIR, "inode " + ino);
    }

    public static void put(Txn t, Chain chain, Inode n) throws FsException {
        t.put(t.db().inodes, Keys.inode(chain.head(), n.ino), n.encode());
    }

    /** Removes the inode record from the point: a tombstone when an older generation has it. */
    public static void remove(Txn t, Chain chain, long ino) throws FsException {
        StoreDb db = t.db();
        Chain.Hit older = chain.find(db, db.inodes, Keys.inode(0, ino), 1);
        if (older != null && !older.tombstone()) t.put(db.inodes, Keys.inode(chain.head(), ino), Keys.TOMBSTONE);
        else t.delete(db.inodes, Keys.inode(chain.head(), ino));
    }
}
