package io.strata.fuse.differential;

import io.strata.core.errno.FsException;
import io.strata.core.union.UnionFs;
import io.strata.store.block.BlockStore;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.union.BlockUnion;

import java.nio.file.Path;

/** The differential suite's Strata side with a RocksDB block layer (a fresh store per mount) as the writable layer. */
final class BlockUpper implements DiffEnv.StrataUnions {
    static final BlockUpper INSTANCE = new BlockUpper();

    @Override
    public DiffEnv.StrataUnion open(DiffEnv.Copy c, Path scratch) throws FsException {
        BlockStore store = BlockStore.open(scratch, MemoryBudget.SMALL);
        try {
            store.createContainer("c", c.lowerdir());
            BlockLayer layer = store.openLayer("c");
            UnionFs fs = BlockUnion.open(layer, scratch, c.lowers().stream().map(Path::toString).toList(), true);
            return new DiffEnv.StrataUnion(fs, () -> {
                layer.close();
                store.close();
            });
        } catch (FsException | RuntimeException e) {
            store.close();
            throw e;
        }
    }

    @Override
    public boolean upperIsHostDir() {
        return false;
    }

    /** st_blocks: the block layer does not count its allocated pages yet, so a sparse file does not look sparse. */
    @Override
    public java.util.Set<String> knownGaps() {
        return java.util.Set.of("sparse");
    }
}
