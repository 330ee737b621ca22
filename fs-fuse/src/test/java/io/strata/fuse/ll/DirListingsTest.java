package io.strata.fuse.ll;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The listings readdir keeps without handles: offsets that name them, their end, and what is kept when abandoned. */
class DirListingsTest {
    private static LowLevelOps.OpenDir dir(long nodeId, int names) {
        LowLevelOps.OpenDir d = new LowLevelOps.OpenDir(new Nodes.Node(nodeId, 1000 + nodeId, io.strata.core.host.Stat.S_IFDIR));
        d.names = new ArrayList<>(Collections.nCopies(names, "n"));
        return d;
    }

    @Test
    void offsetsNameTheirListingAndItsDirectory() {
        DirListings l = new DirListings();
        DirListings.Listing a = l.add(dir(7, 10)), b = l.add(dir(7, 10));
        assertNotEquals(a.base, b.base, "two readers of one directory never share an offset");
        assertTrue(a.base > 0 && b.base > 0);
        assertSame(a, l.find(7, a.base + 3));
        assertSame(b, l.find(7, b.base + 3));
        assertEquals(3, DirListings.index(a.base + 3));
        assertNull(l.find(7, 0), "offset 0 starts over");
        assertNull(l.find(8, a.base + 3), "another directory's offset");
        l.done(a);
        assertNull(l.find(7, a.base + 3), "dropped at its end");
        assertSame(b, l.find(7, b.base + 1));
        assertEquals(10, l.names());
    }

    @Test
    void abandonedListingsAreBoundedByCountAndByNames() {
        DirListings l = new DirListings();
        List<DirListings.Listing> all = new ArrayList<>();
        for (int i = 0; i < DirListings.KEPT + 10; i++) all.add(l.add(dir(i + 2, 1)));
        assertEquals(DirListings.KEPT, l.size());
        assertNull(l.find(2, all.get(0).base + 1), "the least recently read went first");
        assertSame(all.get(all.size() - 1), l.find(all.size() + 1, all.get(all.size() - 1).base + 1));

        DirListings big = new DirListings();
        DirListings.Listing first = big.add(dir(2, DirListings.NAMES_KEPT / 2 + 1));
        DirListings.Listing second = big.add(dir(3, DirListings.NAMES_KEPT / 2 + 1));
        assertNull(big.find(2, first.base + 1), "over the names' budget: the older goes");
        assertSame(second, big.find(3, second.base + 1));
        DirListings.Listing huge = big.add(dir(4, DirListings.NAMES_KEPT * 2));
        assertSame(huge, big.find(4, huge.base + 1), "the newest stays whatever its size");
        assertEquals(1, big.size());
        assertEquals(DirListings.NAMES_KEPT * 2L, big.names());
    }
}
