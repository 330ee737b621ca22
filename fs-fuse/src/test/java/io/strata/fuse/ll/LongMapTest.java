package io.strata.fuse.ll;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.Map;
import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

class LongMapTest {

    /** Random puts and removes of clustered and colliding keys, checked against a HashMap after every step. */
    @Test
    void behavesLikeAHashMap() {
        for (long seed = 1; seed <= 20; seed++) {
            Random r = new Random(seed);
            LongMap<String> m = new LongMap<>();
            Map<Long, String> model = new HashMap<>();
            int range = 1 + r.nextInt(3000); // small ranges: many removes of present keys, long probe runs
            for (int op = 0; op < 20_000; op++) {
                long k = r.nextBoolean() ? r.nextInt(range) : (long) r.nextInt(range) << 40; // also keys that differ in high bits
                switch (r.nextInt(3)) {
                    case 0 -> assertEquals(model.put(k, "v" + op), m.put(k, "v" + op), "put " + k);
                    case 1 -> assertEquals(model.remove(k), m.remove(k), "remove " + k);
                    default -> assertEquals(model.get(k), m.get(k), "get " + k);
                }
                assertEquals(model.size(), m.size());
            }
            for (Map.Entry<Long, String> e : model.entrySet()) assertEquals(e.getValue(), m.get(e.getKey()), "seed " + seed);
        }
    }

    @Test
    void removingEveryKeyLeavesItEmpty() {
        LongMap<Long> m = new LongMap<>();
        for (long k = 0; k < 100_000; k++) m.put(k * 7, k);
        for (long k = 0; k < 100_000; k++) assertEquals(k, m.remove(k * 7));
        assertEquals(0, m.size());
        for (long k = 0; k < 100_000; k++) assertNull(m.get(k * 7));
    }

    @Test
    void nullValuesAreRefused() {
        assertThrows(NullPointerException.class, () -> new LongMap<String>().put(1, null));
    }
}
