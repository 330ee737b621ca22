package io.strata.store.oci;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.DirLayer;
import io.strata.core.layer.LayerStack;
import io.strata.core.union.UnionFs;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;
import io.strata.store.StoreException;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code strata image which}: for a path of an image, what each layer (in overlayfs format) says about it, read with
 * lstat one component at a time, and which layer the merged view takes it from.
 */
public final class PathOrigins {
    /** What one layer holds at the path. */
    public enum State {
        /** nothing at the path, nothing above it that hides the layers below */
        ABSENT,
        /** the object is here */
        PRESENT,
        /** a whiteout at the path or at a parent */
        DELETED,
        /** a parent here is not a directory */
        BLOCKED,
        /** nothing here, but a parent here is opaque */
        ABSENT_OPAQUE
    }

    /** One layer's answer; {@code index} counts from 1 at the bottom, like the image's history. */
    public record LayerState(int index, String diffId, State state, char type, boolean opaque) {
    }

    /**
     * The answer for one path: the path the merged view resolves it to (symlinks in its parents followed, as in the
     * container), the per-layer states of that path (top first) and the index of the layer that provides it (0: none).
     */
    public record Origin(String path, String resolved, List<LayerState> layers, int providedBy) {
        /** One line: where the path comes from, and what the layers below had. */
        public String describe() {
            String path = resolved.equals(this.path) ? this.path : this.path + " (= " + resolved + ")";
            LayerState top = layers.stream().filter(l -> l.state() != State.ABSENT).findFirst().orElse(null);
            if (top == null) return path + ": not in the image";
            String verdict = switch (top.state()) {
                case PRESENT -> "from " + name(top) + (top.type() == 'd' && top.opaque() ? " (opaque directory)" : "");
                case DELETED -> "deleted in " + name(top) + " (whiteout)";
                case BLOCKED -> "not there: a parent is not a directory in " + name(top);
                default -> "not there: a parent is opaque in " + name(top);
            };
            boolean merges = top.state() == State.PRESENT && top.type() == 'd' && !top.opaque();
            List<String> merged = new ArrayList<>(), hidden = new ArrayList<>();
            boolean cut = !merges;
            for (LayerState l : layers.subList(layers.indexOf(top) + 1, layers.size())) {
                if (!cut && l.state() == State.PRESENT && l.type() == 'd') {
                    merged.add(name(l));
                    if (l.opaque()) cut = true;
                    continue;
                }
                if (!cut && l.state() != State.ABSENT) cut = true;
                if (l.state() == State.PRESENT) hidden.add(name(l));
            }
            StringBuilder b = new StringBuilder(path).append(": ").append(verdict);
            if (!merged.isEmpty()) b.append("; merged with ").append(String.join(", ", merged));
            if (!hidden.isEmpty()) b.append(top.state() == State.PRESENT ? "; hides " : "; was in ").append(String.join(", ", hidden));
            return b.toString();
        }

        private static String name(LayerState l) {
            return "layer " + l.index() + " (" + l.diffId().substring(7, 19) + ")";
        }
    }

    private PathOrigins() {
    }

    /** {@code dirsTopFirst} and {@code diffIdsTopFirst} name the same layers. */
    public static Origin of(String path, List<Path> dirsTopFirst, List<String> diffIdsTopFirst) {
        List<String> asked = new ArrayList<>(List.of(path.split("/")));
        asked.removeIf(c -> c.isEmpty() || c.equals("."));
        List<String> comps = resolveParents(dirsTopFirst, asked);
        List<LayerState> states = new ArrayList<>();
        int n = dirsTopFirst.size(), provided = 0;
        boolean hidden = false;
        for (int i = 0; i < n; i++) {
            LayerState s = probe(dirsTopFirst.get(i), comps, n - i, diffIdsTopFirst.get(i));
            states.add(s);
            if (!hidden && s.state() == State.PRESENT && provided == 0) provided = s.index();
            if (s.state() == State.DELETED || s.state() == State.BLOCKED || s.state() == State.ABSENT_OPAQUE
                    || (s.state() == State.PRESENT && (s.type() != 'd' || s.opaque()))) hidden = true;
        }
        return new Origin("/" + String.join("/", asked), "/" + String.join("/", comps), states, provided);
    }

    /**
     * The path with every symlink among its parents followed in the merged view, as inside the container: absolute
     * targets start again at the image's root, ".." stops there; the last component is not followed (like lstat).
     */
    private static List<String> resolveParents(List<Path> dirsTopFirst, List<String> comps) {
        try {
            List<DirLayer> lowers = new ArrayList<>();
            for (Path d : dirsTopFirst) lowers.add(DirLayer.lower(d.toString()));
            UnionFs merged = new UnionFs(new LayerStack(null, lowers, true));
            java.util.Deque<String> todo = new java.util.ArrayDeque<>(comps);
            List<String> done = new ArrayList<>();
            int links = 0;
            boolean missing = false; // below a missing name: "." and ".." only, lexically
            while (!todo.isEmpty()) {
                String c = todo.pollFirst();
                if (c.equals(".")) continue;
                if (c.equals("..")) {
                    if (!done.isEmpty()) done.remove(done.size() - 1);
                    continue;
                }
                done.add(c);
                if (todo.isEmpty() || missing) continue;
                String rel = String.join("/", done);
                Stat st;
                try {
                    st = merged.getattr(rel);
                } catch (FsException e) {
                    missing = true; // not there: the layers say why
                    continue;
                }
                if (!st.isSymlink()) continue;
                if (++links > 40) throw new StoreException("/" + String.join("/", comps) + ": too many levels of symbolic links");
                String target = merged.readlink(rel);
                done.remove(done.size() - 1);
                if (target.startsWith("/")) done.clear();
                List<String> t = new ArrayList<>(List.of(target.split("/")));
                t.removeIf(String::isEmpty);
                for (int i = t.size() - 1; i >= 0; i--) todo.addFirst(t.get(i));
            }
            return done;
        } catch (FsException e) {
            throw new StoreException("resolving " + String.join("/", comps) + ": " + e.getMessage(), e);
        }
    }

    private static LayerState probe(Path layer, List<String> comps, int index, String diffId) {
        try {
            StringBuilder p = new StringBuilder(layer.toString());
            boolean opaqueParent = opaque(p.toString());
            for (int j = 0; j < comps.size(); j++) {
                p.append('/').append(comps.get(j));
                Stat st = Host.lstatOrNull(p.toString());
                boolean last = j == comps.size() - 1;
                if (st == null) return new LayerState(index, diffId, opaqueParent ? State.ABSENT_OPAQUE : State.ABSENT, ' ', false);
                if (Whiteouts.isWhiteoutDevice(st)) return new LayerState(index, diffId, State.DELETED, ' ', false);
                if (last) {
                    char type = st.isDir() ? 'd' : st.isSymlink() ? 'l' : st.isRegular() ? 'f' : st.type() == Stat.S_IFIFO ? 'p' : 'c';
                    return new LayerState(index, diffId, State.PRESENT, type, st.isDir() && opaque(p.toString()));
                }
                if (!st.isDir()) return new LayerState(index, diffId, State.BLOCKED, ' ', false);
                opaqueParent = opaque(p.toString());
            }
            return new LayerState(index, diffId, State.PRESENT, 'd', opaqueParent); // the root
        } catch (FsException e) {
            throw new StoreException("layer " + diffId + ": " + e.getMessage(), e);
        }
    }

    private static boolean opaque(String dir) throws FsException {
        return Arrays.equals(OverlayXattrs.YES, Host.getxattr(dir, OverlayXattrs.OPAQUE));
    }
}
