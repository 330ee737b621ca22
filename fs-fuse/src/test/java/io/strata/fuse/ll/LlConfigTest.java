package io.strata.fuse.ll;

import io.strata.core.options.MountOptions;
import io.strata.fuse.FuseMount;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The low-level session gets FuseMount's mount options, less what only libfuse 2's high-level API knows. */
class LlConfigTest {
    private static MountOptions options(String... extra) {
        List<String> o = new java.util.ArrayList<>(List.of("lowerdir=/a:/b,upperdir=/u,workdir=/w"));
        o.addAll(List.of(extra));
        return MountOptions.parse(o);
    }

    private static List<String> opts(List<String> argv) {
        assertEquals("strata", argv.get(0));
        assertEquals("-o", argv.get(1));
        return LlConfig.splitOptions(argv.get(2));
    }

    @Test
    void sameMountOptionsAsTheHighLevelAdapter() {
        MountOptions o = options();
        List<String> asRoot = opts(LlConfig.sessionArgs(FuseMount.fuseArgs(o, "src,with,commas"), true, false));
        assertEquals("fsname=src\\,with\\,commas", asRoot.get(0));
        assertTrue(asRoot.containsAll(List.of("subtype=strata", "default_permissions", "dev", "suid")), asRoot.toString());
        for (String hl : List.of("use_ino", "hard_remove", "big_writes", "kernel_cache", "atomic_o_trunc"))
            assertFalse(asRoot.contains(hl), hl);
        assertTrue(asRoot.stream().noneMatch(s -> s.startsWith("entry_timeout") || s.startsWith("max_write")));
        List<String> user = opts(LlConfig.sessionArgs(new String[]{"-o", "fsname=x,subtype=strata,default_permissions"}, false, true));
        assertFalse(user.contains("dev") || user.contains("suid") || user.contains("allow_other"));
        assertEquals("-d", LlConfig.sessionArgs(new String[]{"-o", "fsname=x"}, false, true).get(3));
    }

    @Test
    void readOnlyAndUserTimeouts() {
        MountOptions o = options("ro", "entry_timeout=5,attr_timeout=2.5,negative_timeout=0");
        List<String> argv = opts(LlConfig.sessionArgs(FuseMount.fuseArgs(o, "s"), false, false));
        assertTrue(argv.contains("ro"), argv.toString());
        LlConfig c = LlConfig.of(o);
        assertEquals(5, c.entryTimeout());
        assertEquals(2.5, c.attrTimeout());
        assertEquals(0, c.negativeTimeout());
        assertEquals(LlConfig.DEFAULT_TIMEOUT, LlConfig.of(options()).entryTimeout());
    }

    @Test
    void readsAreSplicedFromTheHostFileUnlessTurnedOff() {
        String old = System.getProperty("strata.fuse.ll.splice");
        try {
            System.clearProperty("strata.fuse.ll.splice");
            assertTrue(LlConfig.of(options()).spliceReads(), "the default answers reads with the host descriptor");
            for (String v : List.of("off", "none", "read")) {
                System.setProperty("strata.fuse.ll.splice", v);
                assertFalse(LlConfig.of(options()).spliceReads(), v);
            }
            System.setProperty("strata.fuse.ll.splice", "both");
            assertTrue(LlConfig.of(options()).spliceReads());
        } finally {
            if (old == null) System.clearProperty("strata.fuse.ll.splice");
            else System.setProperty("strata.fuse.ll.splice", old);
        }
    }
}
