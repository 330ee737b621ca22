package io.strata.store.container;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.union.UnionFs;
import io.strata.store.StoreException;
import io.strata.store.oci.ImageRecord;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The two views a diff or commit compares, through fs-core's union (the same code that serves the mounts): the
 * container (its upper over the image's layers, metacopy and redirects understood) and the image alone. Only read.
 */
final class ContainerUnion {
    final UnionFs container;
    final UnionFs image;

    ContainerUnion(ContainerStore store, ContainerRecord c) {
        ImageRecord img = store.images().find(c.image());
        List<DirLayer> lowers = new ArrayList<>();
        for (Path p : store.images().lowerDirsTopFirst(img)) lowers.add(DirLayer.lower(p.toString()));
        try {
            container = new UnionFs(new LayerStack(DirLayer.upper(store.upper(c).toString(), store.work(c).toString()), lowers, true));
            image = new UnionFs(new LayerStack(null, lowers, true));
        } catch (FsException e) {
            throw new StoreException("container " + c.name() + ": " + e.getMessage(), e);
        }
    }

    /** The object at rel in the image, or null. */
    static Stat statOrNull(UnionFs fs, String rel) throws FsException {
        try {
            return fs.getattr(rel);
        } catch (FsException e) {
            if (e.errno() == Errno.ENOENT || e.errno() == Errno.ENOTDIR) return null;
            throw e;
        }
    }
}
