package io.strata.store.daemon;

import io.strata.core.writable.WritableLayer;
import io.strata.store.block.db.MemoryBudget;
import io.strata.store.block.layer.BlockLayer;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The store daemon on a real unix socket: the CLI's requests, their errors, the socket's permissions, stop. */
class StoreDaemonTest {
    private static void delete(Path dir) throws IOException {
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    @Test
    void servesTheStoreCommandsOverAnOwnerOnlySocket() throws Exception {
        Path dir = Files.createTempDirectory("strata-daemon-");
        StoreRoot root = new StoreRoot(dir.resolve("store"));
        StoreClient client = new StoreClient(root);
        assertThrows(StoreClient.Unreachable.class, () -> client.call(List.of("ps")));
        StoreDaemon daemon = new StoreDaemon(root, MemoryBudget.SMALL, 0);
        Thread serving = new Thread(daemon::serve);
        serving.start();
        try {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.socket())));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(root.dir())));
            assertTrue(client.call(List.of("create", "web", "/l1:/l2")).ok());
            Protocol.Response dup = client.call(List.of("create", "web", ""));
            assertEquals("EEXIST", dup.errno(), dup.message());
            try (BlockLayer l = daemon.store().openLayer("web")) { // what a mount would do in the daemon
                WritableLayer.Entry f = l.create(l.rootIno(), "f", 0100644, 0, 0, 0);
                l.write(f.ino(), 0, new byte[100_000], 0, 100_000);
            }
            assertEquals(List.of("web@s1"), client.call(List.of("snapshot-create", "web", "s1")).lines());
            List<String> ls = client.call(List.of("snapshot-ls", "web")).lines();
            assertEquals(1, ls.size());
            assertTrue(ls.get(0).startsWith("s1\t"));
            assertTrue(client.call(List.of("clone", "web@s1", "web2")).ok());
            List<String> ps = client.call(List.of("ps")).lines();
            assertEquals(2, ps.size());
            assertTrue(ps.get(0).startsWith("web\tCreated\t1\t") && ps.get(0).endsWith("/l1:/l2"), ps.get(0));
            assertEquals(List.of("A /f"), client.call(List.of("diff", "web@s1")).lines());
            List<String> df = client.call(List.of("df")).lines();
            assertTrue(df.stream().anyMatch(x -> x.startsWith("snapshot\tweb@s1\t")), df.toString());
            List<String> dedup = client.call(List.of("df-dedup")).lines(); // 100,000 zero bytes: 25 pages, one content
            assertEquals(List.of("pages\t25\t102400", "unique\t1\t4096", "saved\t24\t98304", "zero\t25\t102400", "ratio\t25.00"),
                    dedup.subList(0, 5), dedup.toString());
            assertTrue(client.call(List.of("snapshot-restore", "web", "s1")).ok());
            assertEquals("ENOENT", client.call(List.of("snapshot-rm", "web", "nope")).errno());
            assertTrue(client.call(List.of("rm", "web2")).ok());
            assertTrue(client.call(List.of("snapshot-rm", "web", "s1")).ok());
            assertTrue(client.call(List.of("gc")).ok());
            assertEquals("EINVAL", client.call(List.of("frobnicate")).errno());
            assertThrows(IOException.class, () -> new StoreDaemon(root, MemoryBudget.SMALL, 0), "one daemon per store");
            assertTrue(client.call(List.of("stop")).ok());
            serving.join(30_000);
            assertFalse(serving.isAlive());
            assertFalse(Files.exists(root.socket()), "the socket goes with the daemon");
        } finally {
            daemon.stop();
            serving.join(30_000);
            delete(dir);
        }
    }
}
