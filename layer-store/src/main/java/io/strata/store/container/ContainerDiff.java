package io.strata.store.container;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layer.Paths;
import io.strata.core.whiteout.Whiteouts;
import io.strata.core.xattr.OverlayXattrs;
import io.strata.store.StoreException;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code strata container diff C}: what the container changed, as Docker prints it: {@code A} added, {@code C} changed,
 * {@code D} deleted, one path per line, sorted. Read from the upper directory (what changed) and the image's union
 * (what was there): a whiteout is D; an object that the image has is C, else A; an opaque directory deletes what
 * the image had in it; a renamed directory (redirect) is added with everything in it.
 */
public final class ContainerDiff {
    public enum Kind { A, C, D }

    public record Change(Kind kind, String path) {
        @Override
        public String toString() {
            return kind + " /" + path;
        }
    }

    private ContainerDiff() {
    }

    public static List<Change> of(ContainerStore store, String name) {
        ContainerRecord c = store.find(name);
        ContainerUnion u = new ContainerUnion(store, c);
        List<Change> out = new ArrayList<>();
        try {
            walk(u, store.upper(c).toString(), "", out);
        } catch (FsException e) {
            throw new StoreException("diff of " + name + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparing(Change::path));
        return out;
    }

    private static void walk(ContainerUnion u, String upperRoot, String dir, List<Change> out) throws FsException {
        String host = dir.isEmpty() ? upperRoot : upperRoot + "/" + dir;
        List<String> names = Host.list(host);
        for (String name : names) {
            String rel = Paths.join(dir, name), path = host + "/" + name;
            Stat st = Host.lstat(path);
            boolean inImage = ContainerUnion.statOrNull(u.image, rel) != null;
            if (Whiteouts.isWhiteoutDevice(st) || (Whiteouts.mayBeXattrWhiteout(st) && Host.getxattr(path, OverlayXattrs.WHITEOUT) != null)) {
                if (inImage) out.add(new Change(Kind.D, rel));
                continue;
            }
            if (!st.isDir()) {
                out.add(new Change(inImage ? Kind.C : Kind.A, rel));
                continue;
            }
            if (Host.getxattr(path, OverlayXattrs.REDIRECT) != null) {
                addAll(u, rel, out);
                continue;
            }
            boolean opaque = Arrays.equals(OverlayXattrs.YES, Host.getxattr(path, OverlayXattrs.OPAQUE));
            out.add(new Change(inImage ? Kind.C : Kind.A, rel));
            if (opaque && inImage && u.image.getattr(rel).isDir()) {
                Set<String> here = new HashSet<>(names(u.container, rel));
                for (String old : u.image.readdir(rel)) if (!here.contains(old)) deleteAll(u, Paths.join(rel, old), out);
            }
            walk(u, upperRoot, rel, out);
        }
    }

    private static List<String> names(io.strata.core.union.UnionFs fs, String rel) throws FsException {
        List<String> n = new ArrayList<>(fs.readdir(rel));
        n.removeIf(x -> x.equals(".") || x.equals(".."));
        return n;
    }

    private static void addAll(ContainerUnion u, String rel, List<Change> out) throws FsException {
        out.add(new Change(ContainerUnion.statOrNull(u.image, rel) != null ? Kind.C : Kind.A, rel));
        if (u.container.getattr(rel).isDir()) for (String n : names(u.container, rel)) addAll(u, Paths.join(rel, n), out);
    }

    private static void deleteAll(ContainerUnion u, String rel, List<Change> out) throws FsException {
        out.add(new Change(Kind.D, rel));
        if (u.image.getattr(rel).isDir()) for (String n : names(u.image, rel)) deleteAll(u, Paths.join(rel, n), out);
    }
}
