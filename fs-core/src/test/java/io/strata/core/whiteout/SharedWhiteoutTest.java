package io.strata.core.whiteout;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;
import io.strata.core.host.Host;
import io.strata.core.host.Stat;
import io.strata.core.layerfs.HostFs;
import io.strata.core.layerfs.LayerFs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The shared whiteout's fallbacks on a real host directory, with the host's link(2) failing on cue: EMLINK (the shared
 * inode has as many links as its filesystem allows) and a refusal (a filesystem that does not link devices).
 */
class SharedWhiteoutTest {
    @TempDir
    Path base;

    /** HostFs, but link(2) fails with failure once it was called failAt times (and, if sticky, every time after). */
    private static LayerFs failingLinks(Errno failure, int failAt, boolean sticky) {
        AtomicInteger links = new AtomicInteger();
        return (LayerFs) Proxy.newProxyInstance(LayerFs.class.getClassLoader(), new Class<?>[]{LayerFs.class},
                (proxy, m, args) -> {
                    if (m.getName().equals("link")) {
                        int n = links.incrementAndGet();
                        if (n == failAt || sticky && n > failAt) throw new FsException(failure);
                    }
                    try {
                        return m.invoke(HostFs.INSTANCE, args);
                    } catch (InvocationTargetException e) {
                        throw e.getCause();
                    }
                });
    }

    /** Whiteouts upper/a to upper/d made with a shared whiteout in work over fs. */
    private SharedWhiteout whiteoutsAtoD(LayerFs fs) throws Exception {
        Files.createDirectories(base.resolve("upper"));
        Files.createDirectories(base.resolve("work"));
        SharedWhiteout w = new SharedWhiteout(fs, base.resolve("work").toString());
        for (String n : new String[]{"a", "b", "c", "d"}) w.makeAt(base.resolve("upper").resolve(n).toString());
        return w;
    }

    private Stat whiteout(String name) throws FsException {
        Stat st = Host.lstat(base.resolve("upper").resolve(name).toString());
        assertTrue(st.isCharDevice() && st.rdev() == 0, name + " is a 0/0 character device");
        return st;
    }

    @Test
    void aFullSharedInodeIsReplacedByANewOne() throws Exception {
        SharedWhiteout w = whiteoutsAtoD(failingLinks(Errno.EMLINK, 3, false));
        long first = whiteout("a").ino(), second = whiteout("c").ino();
        assertEquals(first, whiteout("b").ino(), "a and b share the first inode");
        assertFalse(first == second, "the third link found the first inode full: a new one");
        assertEquals(second, whiteout("d").ino());
        assertTrue(w.names(new Host.DirEntry("d", second, Host.DT_CHR)), "the new inode is the one recognised");
        assertFalse(w.names(new Host.DirEntry("a", first, Host.DT_CHR)), "the old one's links take an lstat");
        assertTrue(whiteout("a").nlink() >= 2, "the old links stay whiteouts");
    }

    @Test
    void refusedLinksFallBackToOneDevicePerWhiteout() throws Exception {
        SharedWhiteout w = whiteoutsAtoD(failingLinks(Errno.EPERM, 2, true));
        Set<Long> inodes = new HashSet<>();
        for (String n : new String[]{"b", "c", "d"}) inodes.add(whiteout(n).ino());
        assertEquals(3, inodes.size(), "after the refusal, a mknod per whiteout");
        assertFalse(inodes.contains(whiteout("a").ino()));
    }
}
