package io.strata.store.block.inode;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.store.block.keys.Keys;

/**
 * A directory entry's value in the dirents family: an entry (kind 1: ino, S_IFMT type) or a whiteout (kind 2: the
 * name is deleted for the layers below this one). A tombstone (kind 0, {@link Keys#TOMBSTONE}) says that the name
 * was removed in this generation; it is never returned as a Dirent.
 */
public record Dirent(long ino, int type, boolean whiteout) {
    private static final byte ENTRY = 1, WHITEOUT = 2;
    public static final Dirent WHITEOUT_ENTRY = new Dirent(0, 0, true);

    public byte[] encode() {
        if (whiteout) return new byte[]{WHITEOUT};
        byte[] v = new byte[13];
        v[0] = ENTRY;
        Keys.putLong(v, 1, ino);
        v[9] = (byte) (type >>> 24);
        v[10] = (byte) (type >>> 16);
        v[11] = (byte) (type >>> 8);
        v[12] = (byte) type;
        return v;
    }

    public static Dirent decode(byte[] v) throws FsException {
        if (v.length == 1 && v[0] == WHITEOUT) return WHITEOUT_ENTRY;
        if (v.length != 13 || v[0] != ENTRY) throw new FsException(Errno.EIO, "corrupt directory entry");
        return new Dirent(Keys.getLong(v, 1), Keys.getInt(v, 9), false);
    }
}
