package io.strata.launcher.store;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.options.MountOptions;
import io.strata.core.union.UnionFs;
import io.strata.fuse.FuseMount;
import io.strata.fuse.MountTable;
import io.strata.store.block.BlockStore;
import io.strata.store.block.catalog.Records;
import io.strata.store.block.layer.BlockLayer;
import io.strata.store.block.union.BlockUnion;
import io.strata.store.daemon.ContainerMounts;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Container mounts served by the store daemon's JVM: the container's lowers and its block layer as one union, through
 * FUSE. One read-write mount per container (the store refuses a second writer); snapshots mount read-only. A mount
 * that went away underneath (plain umount, fusermount3 -u) is noticed and its layer closed.
 */
public final class DaemonMounts implements ContainerMounts {
    private record Live(String what, FuseMount fuse, BlockLayer layer) {
    }

    private final Path storeDir;
    private final Map<Path, Live> live = new LinkedHashMap<>();
    /** Unmounted while busy: still served until the last file in them is closed; their layers open until then. */
    private final List<Live> detached = new ArrayList<>();
    private final Thread reaper;

    public DaemonMounts(Path storeDir) {
        this.storeDir = storeDir;
        this.reaper = new Thread(this::reapLoop, "strata-mount-reaper");
        reaper.setDaemon(true);
        reaper.start();
    }

    @Override
    public void mount(BlockStore store, String container, String snapshot, Path mountPoint) throws FsException {
        mount(store, container, snapshot, mountPoint, null);
    }

    /**
     * As {@link #mount(BlockStore, String, String, Path)}, with fuse-overlayfs' id mapping (INSIDE:OUTSIDE:COUNT, for
     * uids and gids alike; null: none): a --userns container's root, host uid 100000, owns what uid 0 owns on disk.
     */
    public synchronized void mount(BlockStore store, String container, String snapshot, Path mountPoint, String idMapping)
            throws FsException {
        reap();
        Path mp = mountPoint.toAbsolutePath().normalize();
        if (!Files.isDirectory(mp)) throw new FsException(Errno.ENOTDIR, "mount point " + mp + " is not a directory");
        if (MountTable.isMounted(mp) && "fuse.strata".equals(MountTable.typeAt(mp)))
            throw new FsException(Errno.EBUSY, "a Strata union is already mounted at " + mp);
        Records.Container c = store.container(container);
        List<String> lowers = c.lowerdirs().isEmpty() ? List.of() : Arrays.asList(c.lowerdirs().split(":"));
        BlockLayer layer;
        try {
            layer = open(store, container, snapshot);
        } catch (FsException e) { // the container's last mount may be unmounted and not yet let go of its layer
            if (e.errno() != Errno.EBUSY || !settle(io.strata.store.daemon.ContainerMounts.SETTLE_MILLIS)) throw e;
            layer = open(store, container, snapshot);
        }
        try {
            UnionFs fs = snapshot == null ? BlockUnion.open(layer, storeDir, lowers, true)
                    : BlockUnion.openReadOnly(layer, storeDir, lowers);
            // FuseMount reads only ro and the FUSE options from these; lowerdir= names what is mounted
            List<String> opts = new ArrayList<>(List.of("lowerdir=" + (lowers.isEmpty() ? storeDir.toString() : c.lowerdirs())));
            if (idMapping != null) opts.addAll(List.of("uidmapping=" + idMapping, "gidmapping=" + idMapping));
            MountOptions p = MountOptions.parse(opts);
            MountOptions o = new MountOptions(p.lowerDirs(), null, null, snapshot != null, true, false, p.uidMapping(),
                    p.gidMapping(), p.fuseOptions(), false);
            String what = snapshot == null ? container : container + "@" + snapshot;
            FuseMount m = FuseMount.start(fs, o, mp, "strata:" + what);
            live.put(mp, new Live(what, m, layer));
        } catch (FsException | RuntimeException e) {
            layer.close();
            throw e instanceof FsException f ? f : new FsException(Errno.EIO, "mount " + container + ": " + e.getMessage());
        }
    }

    private static BlockLayer open(BlockStore store, String container, String snapshot) throws FsException {
        return snapshot == null ? store.openLayer(container) : store.openSnapshot(container, snapshot);
    }

    @Override
    public synchronized boolean settle(long millis) {
        int before = detached.size() + live.size();
        reap();
        long deadline = System.nanoTime() + millis * 1_000_000;
        while (!detached.isEmpty() && System.nanoTime() < deadline) { // detached = unmounted, maybe still served
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            reap();
        }
        return detached.size() + live.size() < before;
    }

    @Override
    public synchronized List<String> list() {
        reap();
        List<String> out = new ArrayList<>();
        live.forEach((mp, l) -> out.add(mp + "\t" + l.what()));
        return out;
    }

    @Override
    public synchronized int active() {
        reap();
        return live.size() + detached.size();
    }

    /**
     * Unmounts what is mounted at mountPoint (lazily when busy: then it is served on until its last file is closed, and
     * its layer is closed after that); false if it would not go.
     */
    public synchronized boolean unmount(Path mountPoint) {
        Path mp = mountPoint.toAbsolutePath().normalize();
        Live l = live.get(mp);
        if (l != null) {
            l.fuse().detach();
            reap();
        } else if (MountTable.isMounted(mp) && !MountTable.unmount(mp, false)) {
            MountTable.unmount(mp, true);
        }
        return !MountTable.isMounted(mp);
    }

    /**
     * Closes the layers of mounts that are gone and no longer served. A mount detached while busy is still served
     * (the kernel keeps its connection until the last file in it is closed): its layer stays open until then.
     */
    private synchronized void reap() {
        live.entrySet().removeIf(e -> {
            if (MountTable.isMounted(e.getKey())) return false;
            detached.add(e.getValue());
            return true;
        });
        detached.removeIf(l -> {
            if (!l.fuse().ended()) return false;
            l.layer().close();
            return true;
        });
    }

    private void reapLoop() {
        while (true) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            reap();
        }
    }

    /**
     * Unmounts everything; a mount still busy after a grace period has its connection aborted. A layer is closed only
     * once nothing serves from it; if a mount's loop would not end even so, its layer is left open and {@link
     * #allEnded} is false: the store must not be closed under it.
     */
    @Override
    public synchronized void close() {
        reaper.interrupt();
        detached.addAll(live.values());
        live.clear();
        for (Live l : detached) {
            l.fuse().close();
            if (l.fuse().ended()) l.layer().close();
            else stillServed = true;
        }
        detached.clear();
    }

    private boolean stillServed;

    @Override
    public synchronized boolean allEnded() {
        return !stillServed;
    }
}
