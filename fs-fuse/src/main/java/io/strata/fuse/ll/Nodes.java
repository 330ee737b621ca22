package io.strata.fuse.ll;

import io.strata.core.host.Stat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;

/**
 * The kernel's node ids and what they stand for. A node is one union object, keyed by its union inode number, so
 * every name of a hard-linked file is one kernel inode (one attribute and page cache). A node knows its names as
 * links (parent node, name): a directory has one, a file one per name the kernel has looked up. Paths are computed
 * through the parents, so the children of a renamed directory follow it without being touched.
 *
 * <p>Node ids are never reused (a counter), so a FORGET that races with a new lookup of a reused inode number cannot
 * reach the wrong node. Lookup counts follow the kernel's: +1 per entry replied (lookup, create, mknod, mkdir,
 * symlink, link, each readdirplus entry but . and ..), −n per forget; at zero the node is dropped.
 */
final class Nodes {
    static final long ROOT_ID = 1;

    static final class Node {
        final long id;
        final long ino;
        final int type;
        long lookups;
        boolean dead;
        /** Its names: the first, and any more (a hard-linked file's other names), kept apart as most nodes have one. */
        private Link link;
        private List<Link> moreLinks;
        private List<io.strata.core.union.UnionFile> open; // for the calls on an unlinked open file: fstat comes without a handle

        synchronized void opened(io.strata.core.union.UnionFile f) {
            if (open == null) open = new ArrayList<>(1);
            open.add(f);
        }

        synchronized void closed(io.strata.core.union.UnionFile f) {
            if (open != null) open.remove(f);
        }

        synchronized io.strata.core.union.UnionFile anyOpen() {
            return open == null || open.isEmpty() ? null : open.get(0);
        }

        Node(long id, long ino, int type) {
            this.id = id;
            this.ino = ino;
            this.type = type;
        }

        boolean isDir() {
            return type == Stat.S_IFDIR;
        }

        boolean named() {
            return link != null;
        }

        /** Its names, first one first (a copy when it has several: the callers change them while going through). */
        List<Link> links() {
            if (link == null) return List.of();
            if (moreLinks == null) return List.of(link);
            List<Link> all = new ArrayList<>(1 + moreLinks.size());
            all.add(link);
            all.addAll(moreLinks);
            return all;
        }

        void addLink(Link l) {
            if (link == null) link = l;
            else {
                if (moreLinks == null) moreLinks = new ArrayList<>(2);
                moreLinks.add(l);
            }
        }

        void removeLink(Link l) {
            if (l.equals(link)) {
                link = moreLinks == null || moreLinks.isEmpty() ? null : moreLinks.remove(0);
            } else if (moreLinks != null) {
                moreLinks.remove(l);
            }
            if (moreLinks != null && moreLinks.isEmpty()) moreLinks = null;
        }

        void clearLinks() {
            link = null;
            moreLinks = null;
        }

        @Override
        public String toString() {
            return "node " + id + " ino " + ino;
        }
    }

    /** One name of a node: identity of the parent node object, and the name in it. */
    record Link(Node parent, String name) {
        @Override
        public boolean equals(Object o) {
            return o instanceof Link l && l.parent == parent && l.name.equals(name);
        }

        @Override
        public int hashCode() {
            return System.identityHashCode(parent) * 31 + name.hashCode();
        }

        @Override
        public String toString() {
            return parent.id + "/" + name;
        }
    }

    private final LongMap<Node> byId = new LongMap<>();
    private final LongMap<Node> byIno = new LongMap<>();
    private final HashMap<Link, Node> byLink = new HashMap<>();
    private long nextId = ROOT_ID + 1;
    final Node root;

    Nodes(Stat rootStat) {
        root = new Node(ROOT_ID, rootStat.ino(), Stat.S_IFDIR);
        root.lookups = 1;
        byId.put(ROOT_ID, root);
        byIno.put(root.ino, root);
    }

    synchronized Node get(long id) {
        return byId.get(id);
    }

    synchronized int size() {
        return byId.size();
    }

    /** The node at that name, if the kernel knows it. */
    synchronized Node at(Node parent, String name) {
        return byLink.get(new Link(parent, name));
    }

    /** The union path of a node ("" = root), or null if it has no name any more (unlinked, or its parent forgotten). */
    synchronized String path(Node n) {
        return pathOf(n);
    }

    private String pathOf(Node n) {
        if (n == root) return "";
        String p = pathThrough(n.link); // most nodes have one name: no list to go through
        if (p != null || n.moreLinks == null) return p;
        for (Link l : n.moreLinks) {
            p = pathThrough(l);
            if (p != null) return p;
        }
        return null;
    }

    private String pathThrough(Link l) {
        if (l == null || l.parent.dead) return null;
        String pp = pathOf(l.parent);
        if (pp == null) return null;
        return pp.isEmpty() ? l.name : pp + "/" + l.name;
    }

    /** The union path of a name in a directory node, or null if the directory has no path. */
    synchronized String childPath(Node parent, String name) {
        String pp = pathOf(parent);
        if (pp == null) return null;
        return pp.isEmpty() ? name : pp + "/" + name;
    }

    /**
     * Records that the kernel now holds one more reference to the object at (parent, name) with these attributes, and
     * returns its node: the one of that inode number if the kernel knows it (another name of a hard-linked file, or
     * the same name again), else a new one.
     */
    synchronized Node remember(Node parent, String name, Stat st) {
        Link l = new Link(parent, name);
        Node cur = byLink.get(l);
        if (cur != null && cur.ino == st.ino() && cur.type == st.type()) {
            cur.lookups++;
            return cur;
        }
        if (cur != null) detach(cur, l); // the name now stands for another object
        Node n = byIno.get(st.ino());
        if (n != null && n.type != st.type()) {
            byIno.remove(st.ino()); // the number was reused for another object; the old node lives on unnamed
            n = null;
        }
        if (n != null && n.isDir() && n.named()) {
            // A directory has one name, and its renames come through renamed(): another name with its number is a
            // reused number (the kernel would refuse a second alias of a directory inode). The old node lives on.
            forgetIno(n);
            n = null;
        }
        if (n == null) {
            n = new Node(nextId++, st.ino(), st.type());
            byId.put(n.id, n);
            byIno.put(n.ino, n);
        }
        n.addLink(l);
        byLink.put(l, n);
        n.lookups++;
        return n;
    }

    /** The kernel dropped n references to a node (FORGET); at zero the node goes. */
    synchronized void forget(long id, long n) {
        Node node = byId.get(id);
        if (node == null || node == root) return;
        node.lookups -= n;
        if (node.lookups <= 0) drop(node);
    }

    /** Undoes one {@link #remember} whose reply did not reach the kernel. */
    synchronized void unremember(Node node) {
        forget(node.id, 1);
    }

    /**
     * The name (parent, name) was removed from the union; gone: the object itself no longer exists (its last name,
     * or a directory), so its inode number is free for the host to reuse and must not lead to this node any more.
     */
    synchronized void unlinked(Node parent, String name, boolean gone) {
        Link l = new Link(parent, name);
        Node n = byLink.get(l);
        if (n == null) return;
        detach(n, l);
        if (gone) forgetIno(n);
    }

    private void forgetIno(Node n) {
        if (byIno.get(n.ino) == n) byIno.remove(n.ino);
    }

    /**
     * (p1, n1) was renamed to (p2, n2); with exchange the two swapped, else whatever was at (p2, n2) is gone.
     */
    synchronized void renamed(Node p1, String n1, Node p2, String n2, boolean exchange, boolean targetGone) {
        Link from = new Link(p1, n1), to = new Link(p2, n2);
        Node moving = byLink.remove(from);
        Node target = byLink.remove(to);
        if (moving != null) moving.removeLink(from);
        if (target != null) target.removeLink(to);
        if (exchange && target != null) {
            target.addLink(from);
            byLink.put(from, target);
        } else if (target != null) {
            orphanIfUnnamed(target);
            if (targetGone) forgetIno(target);
        }
        if (moving != null) {
            moving.addLink(to);
            byLink.put(to, moving);
        }
    }

    private void detach(Node n, Link l) {
        n.removeLink(l);
        byLink.remove(l);
        orphanIfUnnamed(n);
    }

    /**
     * A node without names: dropped if the kernel holds no reference, else kept for the kernel's remaining calls.
     * (Whether its inode number is still its own is the caller's knowledge: see {@link #unlinked}.)
     */
    private void orphanIfUnnamed(Node n) {
        if (n.named()) return;
        if (n.lookups <= 0) drop(n);
    }

    private void drop(Node n) {
        n.dead = true;
        byId.remove(n.id);
        if (byIno.get(n.ino) == n) byIno.remove(n.ino);
        for (Link l : n.links()) if (byLink.get(l) == n) byLink.remove(l);
        n.clearLinks();
    }
}
