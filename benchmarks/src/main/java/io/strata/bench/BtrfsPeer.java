package io.strata.bench;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;

/**
 * The peer of {@link SnapshotTimings} in the same run: the same snapshot steps on btrfs, the kernel's copy-on-write
 * filesystem with O(1) subvolume snapshots, through its ioctls, made and timed by a small C tool
 * (benchmarks/src/main/c/btrfs-peer.c, built by run.sh), so that no process start is in the times. Subvolume
 * {@code cur} holds the same file; create = {@code BTRFS_IOC_SNAP_CREATE_V2} of {@code cur} (btrfs writes the
 * subvolume's dirty data and commits before it returns: durable, as Strata's); restore = {@code BTRFS_IOC_SNAP_DESTROY}
 * of {@code cur} and a writable snapshot of the snapshot as the new {@code cur} (a rollback, committed by that
 * snapshot; the destroyed subvolume is cleaned in the background, as Strata's trash).
 */
final class BtrfsPeer {
    static final String COLUMN = "btrfs";
    private static final String CUR = "cur", FILE = "changes.bin";

    final Path root;
    private final Path tool;
    private long generation;
    private int names;

    BtrfsPeer(Path root, Path tool) {
        this.root = root;
        this.tool = tool;
    }

    private Path file() {
        return root.resolve(CUR).resolve(FILE);
    }

    /** Subvolume cur with the file written whole and fsynced. */
    void build(long bytes) throws IOException {
        tool("subvol", root.toString(), CUR);
        Files.createFile(file());
        FileOps.overwrite(file(), bytes, generation);
        try (FileChannel ch = FileChannel.open(file(), StandardOpenOption.WRITE)) {
            ch.force(true);
        }
    }

    /** A snapshot, X MiB overwritten (optionally `sync`), then the timed snapshot; both removed after. */
    double create(int mib, boolean synced) throws IOException {
        String before = name(), after = name();
        tool("snap", root.toString(), CUR, before);
        try {
            change(mib);
            if (synced) Shell.sync();
            return seconds(tool("snap", root.toString(), CUR, after));
        } finally {
            tool("destroy", root.toString(), before, after);
        }
    }

    /** A snapshot, X MiB overwritten, the timed rollback to it; block 0 checked to hold the snapshot's data. */
    double restore(int mib) throws IOException {
        String snap = name();
        tool("snap", root.toString(), CUR, snap);
        long expected = generation;
        try {
            change(mib);
            double secs = seconds(tool("rollback", root.toString(), CUR, snap));
            generation = FileOps.generationAt0(file());
            if (generation != expected)
                throw new IllegalStateException("btrfs: after the rollback block 0 holds generation " + generation + ", not " + expected);
            return secs;
        } finally {
            tool("destroy", root.toString(), snap);
        }
    }

    /** Waits until btrfs has cleaned the destroyed subvolumes (untimed). */
    void settle() {
        List<String> cmd = List.of("btrfs", "subvolume", "sync", root.toString());
        Shell.run(cmd).orThrow(cmd);
    }

    private void change(int mib) throws IOException {
        if (mib > 0) FileOps.overwrite(file(), (long) mib << 20, ++generation);
    }

    private String name() {
        return "t" + (++names);
    }

    private String tool(String... args) throws IOException {
        List<String> cmd = new ArrayList<>(List.of(tool.toString()));
        cmd.addAll(List.of(args));
        Shell.Result r = Shell.run(cmd);
        if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + ": " + r.err().strip());
        return r.out().strip();
    }

    /** The tool's own timing of its ioctls, in nanoseconds. */
    private static double seconds(String nanos) {
        return Long.parseLong(nanos) / 1e9;
    }

    String describe() {
        return "- btrfs (peer, same run): a fresh btrfs on its own loop device (direct I/O, a sparse image beside the "
                + "ext4 one), subvolume `" + CUR + "` holding the same `" + FILE + "` written and fsynced once; the same "
                + "writes (directly, no FUSE) and the same steps through btrfs' ioctls, timed inside the small C tool "
                + "that makes them (no process start): create = BTRFS_IOC_SNAP_CREATE_V2 of `" + CUR + "` (btrfs writes "
                + "the subvolume's dirty data and commits before it returns), restore = BTRFS_IOC_SNAP_DESTROY of `" + CUR
                + "` + a writable snapshot of the snapshot as `" + CUR + "` (committed by it; the destroyed subvolume is "
                + "cleaned in the background), block 0 checked after; no daemon CPU column (kernel)\n";
    }
}
