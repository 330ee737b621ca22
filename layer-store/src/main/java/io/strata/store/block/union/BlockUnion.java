package io.strata.store.block.union;

import io.strata.core.errno.FsException;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.union.UnionFs;
import io.strata.core.writable.WritableLayer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A union whose writable layer is a block layer: the layer's root holds {@code upper/} (the union's upper directory,
 * in overlay format) and {@code work/} (its work directory), like an overlayfs upperdir and workdir side by side.
 */
public final class BlockUnion {
    public static final String UPPER = "/upper", WORK = "/work";

    private BlockUnion() {
    }

    /**
     * A read-only union of a frozen block layer (a snapshot): its upper directory, if it has one, is the top lower
     * layer, so its whiteouts, opaque directories and redirects apply as they did when it was written.
     */
    public static UnionFs openReadOnly(WritableLayer layer, Path storeDir, List<String> lowers) throws FsException {
        BlockFs fs = new BlockFs(layer, storeDir);
        List<DirLayer> dirs = new ArrayList<>();
        if (fs.lstatOrNull(UPPER) != null) dirs.add(DirLayer.lower(fs, UPPER));
        for (String l : lowers) dirs.add(DirLayer.lower(l));
        return new UnionFs(new LayerStack(null, dirs, true));
    }

    /** lowers: host directories, top first. */
    public static UnionFs open(WritableLayer layer, Path storeDir, List<String> lowers, boolean metacopy) throws FsException {
        BlockFs fs = new BlockFs(layer, storeDir);
        if (fs.lstatOrNull(UPPER) == null) fs.mkdir(UPPER, 0755);
        if (fs.lstatOrNull(WORK) == null) fs.mkdir(WORK, 0700);
        List<DirLayer> dirs = new ArrayList<>();
        for (String l : lowers) dirs.add(DirLayer.lower(l));
        return new UnionFs(new LayerStack(DirLayer.upper(fs, UPPER, WORK), dirs, metacopy));
    }
}
