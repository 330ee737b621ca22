package io.strata.launcher.snapshotter;

import io.strata.core.usage.DiskUsage;

import java.util.Map;
import java.util.TreeMap;

/**
 * One snapshot's metadata, as containerd's snapshots.Info plus the directory id and the usage counted at commit.
 * {@code parent} is the parent's name (a committed snapshot; only committed snapshots have children).
 */
public record Snapshot(String id, String name, String parent, Kind kind, String createdAt, String updatedAt,
                       Map<String, String> labels, long size, long inodes) {
    /** containerd's snapshot kinds (snapshots.proto's Kind, without UNKNOWN). */
    public enum Kind { VIEW, ACTIVE, COMMITTED }

    public Snapshot {
        labels = labels == null ? Map.of() : Map.copyOf(new TreeMap<>(labels));
        parent = parent == null ? "" : parent;
    }

    Snapshot withLabels(Map<String, String> newLabels, String now) {
        return new Snapshot(id, name, parent, kind, createdAt, now, newLabels, size, inodes);
    }

    Snapshot committed(String newName, Map<String, String> newLabels, String now, DiskUsage.Usage usage) {
        return new Snapshot(id, newName, parent, Kind.COMMITTED, now, now, newLabels, usage.size(), usage.inodes());
    }
}
