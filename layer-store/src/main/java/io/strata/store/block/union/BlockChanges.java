package io.strata.store.block.union;

import io.strata.core.errno.FsException;
import io.strata.core.union.UnionFs;
import io.strata.store.block.BlockStore;
import io.strata.store.block.catalog.Records;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.container.ChangeLayer;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/**
 * A block-store container's changes as a layer directory in overlay format (for a commit): read from a point in time —
 * the given snapshot, or one taken for the purpose (O(1), so a running container can be committed; removed after) —
 * through the same union the mounts use, by {@link ChangeLayer}, which a directory container's commit uses too.
 */
public final class BlockChanges {
    private BlockChanges() {
    }

    /** spec: CONTAINER or CONTAINER@SNAPSHOT; target: an empty host directory. */
    public static void write(BlockStore store, Path storeDir, String spec, Path target, Long clampMtime) throws FsException {
        int at = spec.indexOf('@');
        String container = at < 0 ? spec : spec.substring(0, at);
        String snap = at < 0 ? null : spec.substring(at + 1);
        Records.Container c = store.container(container);
        String taken = null;
        if (snap == null) {
            taken = "commit-" + Long.toString(System.nanoTime(), 36);
            store.createSnapshot(container, taken);
            snap = taken;
        }
        try {
            List<String> lowers = c.lowerdirs().isEmpty() ? List.of() : Arrays.asList(c.lowerdirs().split(":"));
            try (BlockLayer layer = store.openSnapshot(container, snap)) {
                UnionFs view = BlockUnion.openReadOnly(layer, storeDir, lowers);
                BlockFs fs = new BlockFs(layer, storeDir);
                if (fs.lstatOrNull(BlockUnion.UPPER) == null) return; // never mounted read-write: no changes
                ChangeLayer.build(view, fs, BlockUnion.UPPER, target.toString(), clampMtime);
            }
        } finally {
            if (taken != null) store.removeSnapshot(container, taken);
        }
    }
}
