package io.strata.core.copyup;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.inode.InodeNumbers;
import io.strata.core.inode.LinkCount;
import io.strata.core.inode.OriginHandle;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.layer.Paths;
import io.strata.core.namei.Lookup;

import java.util.ArrayList;
import java.util.List;

/**
 * The hard-link index of an upper dir written by kernel overlayfs with index=on (WORKDIR/index/HANDLE): there a
 * hard-linked lower file may be copied up under one name only, the kernel finding its other names through the index
 * at lookup. Strata keeps all names of a file in the upper instead, so at mount it links each still-visible lower name
 * of an indexed file to the index inode (what the kernel would do on the next copy-up of that name) and re-records
 * the kernel's union link count relative to the upper's.
 */
public final class KernelIndex {
    private final LayerStack layers;
    private final Lookup lookup;
    private final InodeNumbers inodes;
    private final CopyUp copyUp;

    public KernelIndex(LayerStack layers, Lookup lookup, InodeNumbers inodes, CopyUp copyUp) {
        this.layers = layers;
        this.lookup = lookup;
        this.inodes = inodes;
        this.copyUp = copyUp;
    }

    public void adopt() throws FsException {
        DirLayer upper = layers.upper();
        String indexDir = Paths.parent(upper.workDir()) + "/index";
        if (!upper.fs().isHost() || Host.lstatOrNull(indexDir) == null) return;
        List<Long> lowerDevs = new ArrayList<>();
        for (DirLayer l : layers.lowers()) lowerDevs.add(l.fs().lstat(l.root()).dev());
        MovedDirs moved = null;
        for (String name : Host.list(indexDir)) {
            OriginHandle origin = OriginHandle.fromIndexName(name);
            Stat lower = origin == null ? null : inodes.resolve(origin);
            String idxHost = indexDir + "/" + name;
            Stat idx = Host.lstatOrNull(idxHost);
            if (lower == null || idx == null || idx.isDir()) continue;
            int unionNlink = LinkCount.recorded(upper.fs(), idxHost, idx, inodes);
            boolean linked = false;
            for (int layer = 0; layer < lowerDevs.size(); layer++) {
                if (lowerDevs.get(layer) != lower.dev()) continue;
                for (String alias : copyUp.hardLinks().names(layer, lower)) {
                    if (moved == null) moved = MovedDirs.of(upper, lookup);
                    String at = moved.unionPathOf(alias);
                    if (!copyUp.shows(at, alias, layer)) continue; // shadowed or deleted: another object, or none
                    copyUp.linkAt(idxHost, at);
                    linked = true;
                }
            }
            if (linked) LinkCount.set(upper.fs(), idxHost, unionNlink, Host.lstat(idxHost).nlink());
        }
    }
}
