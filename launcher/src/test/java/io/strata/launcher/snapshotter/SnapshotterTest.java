package io.strata.launcher.snapshotter;

import io.strata.launcher.snapshotter.Snapshot.Kind;
import io.strata.launcher.snapshotter.SnapshotError.Code;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** containerd's snapshotter semantics, without containerd: kinds, parents, errors, mounts, usage, metadata on disk. */
class SnapshotterTest {
    @TempDir
    Path root;

    private static Code code(Runnable r) {
        return assertThrows(SnapshotError.class, r::run).code();
    }

    @Test
    void layersCommitAndStackIntoOneFuseMount() throws Exception {
        Snapshotter s = new Snapshotter(root, "strata-overlay");
        List<Snapshotter.Mount> m = s.prepare("a-active", "", Map.of("l", "1"));
        assertEquals(1, m.size());
        assertEquals("bind", m.get(0).type());
        assertEquals(List.of("rw", "rbind"), m.get(0).options());
        Path aFs = Path.of(m.get(0).source());
        Files.writeString(aFs.resolve("hello"), "x".repeat(10000));
        s.commit("a", "a-active", Map.of("c", "2"));
        Snapshot a = s.stat("a");
        assertEquals(Kind.COMMITTED, a.kind());
        assertEquals(Map.of("c", "2"), a.labels());
        assertEquals(2, s.usage("a").inodes());
        assertTrue(s.usage("a").size() >= 12288, "blocks of a 10000-byte file and a directory");
        assertEquals(Code.NOT_FOUND, code(() -> s.stat("a-active")));

        s.prepare("b-active", "a", Map.of());
        s.commit("b", "b-active", Map.of());
        List<Snapshotter.Mount> c = s.prepare("c", "b", Map.of());
        assertEquals(1, c.size());
        assertEquals("fuse3.strata-overlay", c.get(0).type());
        String id = s.stat("c").id(), ida = a.id(), idb = s.stat("b").id();
        Path snaps = root.resolve("snapshots");
        assertEquals(List.of("workdir=" + snaps.resolve(id).resolve("work"), "upperdir=" + snaps.resolve(id).resolve("fs"),
                "usage=on", "lowerdir=" + snaps.resolve(idb).resolve("fs") + ":" + snaps.resolve(ida).resolve("fs")), c.get(0).options());
        assertEquals(c, s.mounts("c"));

        List<Snapshotter.Mount> v1 = s.view("v1", "a", Map.of());
        assertEquals(new Snapshotter.Mount("bind", snaps.resolve(ida).resolve("fs").toString(), List.of("ro", "rbind")), v1.get(0));
        List<Snapshotter.Mount> v2 = s.view("v2", "b", Map.of());
        assertEquals(List.of("lowerdir=" + snaps.resolve(idb).resolve("fs") + ":" + snaps.resolve(ida).resolve("fs")), v2.get(0).options());
        assertEquals(0, s.usage("v2").inodes());
    }

    @Test
    void errorsAreContainerdsErrdefs() throws Exception {
        Snapshotter s = new Snapshotter(root, "strata-overlay");
        s.prepare("k", "", Map.of());
        assertEquals(Code.ALREADY_EXISTS, code(() -> s.prepare("k", "", Map.of())));
        assertEquals(Code.NOT_FOUND, code(() -> s.prepare("x", "missing", Map.of())));
        assertEquals(Code.INVALID_ARGUMENT, code(() -> s.prepare("x", "k", Map.of())), "parent not committed");
        assertEquals(Code.NOT_FOUND, code(() -> s.commit("n", "missing", Map.of())));
        s.commit("n", "k", Map.of());
        assertEquals(Code.FAILED_PRECONDITION, code(() -> s.mounts("n")), "committed snapshots have no mounts");
        s.view("v", "n", Map.of());
        assertEquals(Code.FAILED_PRECONDITION, code(() -> s.commit("w", "v", Map.of())), "a view cannot be committed");
        s.prepare("k2", "n", Map.of());
        assertEquals(Code.ALREADY_EXISTS, code(() -> s.commit("n", "k2", Map.of())));
        assertEquals(Code.FAILED_PRECONDITION, code(() -> s.remove("n")), "it has children");
        assertEquals(Code.NOT_FOUND, code(() -> s.remove("nope")));
        assertEquals(Code.INVALID_ARGUMENT, code(() -> s.update("n", Map.of(), List.of("parent"))));
        s.remove("v");
        s.remove("k2");
        s.remove("n");
        assertEquals(List.of(), s.list(List.of()));
        try (var dirs = Files.list(root.resolve("snapshots"))) {
            assertEquals(0, dirs.count(), "removed snapshots leave no directory");
        }
    }

    @Test
    void labelsUpdateAndFilters() throws Exception {
        Snapshotter s = new Snapshotter(root, "strata-overlay");
        s.prepare("a-tmp", "", Map.of());
        s.commit("a", "a-tmp", Map.of("containerd.io/snapshot.ref", "sha256:1", "keep", "k"));
        s.prepare("b", "a", Map.of("x", "1"));
        assertEquals(Map.of("containerd.io/snapshot.ref", "sha256:1", "keep", "k", "y", "2"),
                s.update("a", Map.of("y", "2"), List.of("labels.y")).labels());
        assertEquals(Map.of("z", "3"), s.update("a", Map.of("z", "3"), List.of()).labels());
        assertEquals(Map.of("z", "3"), s.update("a", Map.of(), List.of("labels.nothere")).labels());
        s.update("a", Map.of("containerd.io/snapshot.ref", "sha256:1"), List.of("labels"));
        assertEquals(List.of("a"), names(s.list(List.of("labels.\"containerd.io/snapshot.ref\"==sha256:1,parent==\"\""))));
        assertEquals(List.of("b"), names(s.list(List.of("parent==a"))));
        assertEquals(List.of("a", "b"), names(s.list(List.of("kind==committed", "kind==active"))));
        assertEquals(List.of("b"), names(s.list(List.of("labels.x"))));
        assertEquals(List.of("a"), names(s.list(List.of("name~=^a"))));
        assertEquals(Code.INVALID_ARGUMENT, code(() -> s.list(List.of("size==1"))));
    }

    @Test
    void metadataSurvivesRestartAndCleanupTakesOnlyOrphans() throws Exception {
        Snapshotter s = new Snapshotter(root, "strata-overlay");
        s.prepare("a-tmp", "", Map.of());
        s.commit("a", "a-tmp", Map.of());
        s.prepare("b", "a", Map.of("x", "1"));
        Path orphan = Files.createDirectories(root.resolve("snapshots/99/fs"));
        Snapshotter again = new Snapshotter(root, "strata-overlay");
        assertEquals(s.list(List.of()), again.list(List.of()));
        assertEquals(List.of(orphan.getParent()), again.cleanup());
        assertFalse(Files.exists(orphan));
        again.prepare("c", "a", Map.of());
        assertFalse(again.stat("c").id().equals(again.stat("b").id()), "ids are never reused");
        assertTrue(Files.isDirectory(root.resolve("snapshots").resolve(again.stat("b").id()).resolve("work")));
    }

    private static List<String> names(List<Snapshot> l) {
        return l.stream().map(Snapshot::name).sorted().toList();
    }
}
