package io.strata.launcher.snapshotter;

/**
 * The same containerd tests with the snapshotter's default: the unions of layered snapshots served by the snapshotter's
 * own JVM and handed to containerd as bind mounts (the parent class: containerd runs the mount program itself).
 */
class ContainerdServedSnapshotterTest extends ContainerdSnapshotterTest {
    @Override
    boolean served() {
        return true;
    }
}
