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
