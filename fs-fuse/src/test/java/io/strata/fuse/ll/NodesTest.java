package io.strata.fuse.ll;

import io.strata.core.host.Stat;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotSame;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The node table's names and numbers, without a mount (the mount tests go through it with a kernel). */
class NodesTest {
    private static Stat stat(long ino, int type) {
        return new Stat(ino, 1, type | 0644, 1, 0, 0, 0, 0, 0, 4096, 0, 0, 0, 0, 0, 0);
    }

    private final Nodes nodes = new Nodes(stat(1, Stat.S_IFDIR));

    @Test
    void hardLinkNamesAreOneNodeAndItsPathFollowsTheNamesLeft() {
        Nodes.Node dir = nodes.remember(nodes.root, "d", stat(2, Stat.S_IFDIR));
        Nodes.Node a = nodes.remember(dir, "a", stat(10, Stat.S_IFREG));
        Nodes.Node b = nodes.remember(nodes.root, "b", stat(10, Stat.S_IFREG));
        Nodes.Node c = nodes.remember(dir, "c", stat(10, Stat.S_IFREG));
        assertSame(a, b);
        assertSame(a, c);
        assertEquals("d/a", nodes.path(a));
        nodes.unlinked(dir, "a", false);
        assertEquals("b", nodes.path(a), "the next name");
        nodes.unlinked(nodes.root, "b", false);
        assertEquals("d/c", nodes.path(a));
        nodes.unlinked(dir, "c", true);
        assertNull(nodes.path(a), "no name left");
        assertSame(a, nodes.get(a.id), "the kernel still holds it");
        nodes.forget(a.id, 3);
        assertNull(nodes.get(a.id), "forgotten as often as looked up: gone");
        assertNotSame(a, nodes.remember(dir, "a", stat(10, Stat.S_IFREG)), "its number is free: a new node");
    }

    @Test
    void renamesMoveAndExchangeNames() {
        Nodes.Node d1 = nodes.remember(nodes.root, "d1", stat(2, Stat.S_IFDIR));
        Nodes.Node d2 = nodes.remember(nodes.root, "d2", stat(3, Stat.S_IFDIR));
        Nodes.Node f = nodes.remember(d1, "f", stat(10, Stat.S_IFREG));
        Nodes.Node g = nodes.remember(d2, "g", stat(11, Stat.S_IFREG));
        nodes.renamed(nodes.root, "d1", nodes.root, "e1", false, false);
        assertEquals("e1/f", nodes.path(f), "children follow their directory");
        nodes.renamed(d1, "f", d2, "g", true, false);
        assertEquals("d2/g", nodes.path(f));
        assertEquals("e1/f", nodes.path(g));
        nodes.renamed(d2, "g", d1, "f", false, true);
        assertEquals("e1/f", nodes.path(f));
        assertNull(nodes.path(g), "the target's name is gone");
        assertSame(f, nodes.at(d1, "f"));
        assertNull(nodes.at(d2, "g"));
    }

    @Test
    void aNumberReusedForAnotherTypeIsANewNode() {
        Nodes.Node f = nodes.remember(nodes.root, "x", stat(20, Stat.S_IFREG));
        nodes.unlinked(nodes.root, "x", true);
        Nodes.Node d = nodes.remember(nodes.root, "y", stat(20, Stat.S_IFDIR));
        assertNotSame(f, d);
        assertEquals("y", nodes.path(d));
        assertSame(f, nodes.get(f.id), "the old one lives on while the kernel holds it");
        nodes.forget(f.id, 1);
        assertNull(nodes.get(f.id));
        assertEquals(2, nodes.size(), "root and d: nothing of f");
    }
}
