package io.strata.fuse.ll;

import org.junit.jupiter.api.Test;

import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Everything LowLevelMountTest and FuseMountTest check, again with FUSE passthrough on (-o passthrough:
 * the kernel reads and writes the layer files itself), and what passthrough changes.
 */
class PassthroughMountTest extends LowLevelMountTest {
    @Override
    protected String extraOptions() {
        return ",passthrough";
    }

    @Test
    void lowerAndUpperFilesAreOpenedOntoTheirHostFiles() throws Exception {
        long before = Passthrough.BACKING_OPENS.get();
        assertEquals("old", Files.readString(mnt.resolve("old")));
        assertTrue(Passthrough.BACKING_OPENS.get() > before, "the lower file was opened for passthrough");
        try (FileChannel ch = FileChannel.open(mnt.resolve("etc/motd"), StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap("HELLO".getBytes(StandardCharsets.UTF_8)), 0);
            ch.force(true);
        }
        assertEquals("HELLO\n", Files.readString(base.resolve("upper/etc/motd")), "written into the upper file");
        assertEquals("hello\n", Files.readString(base.resolve("lower1/etc/motd")), "the lower file unchanged");
        assertEquals("HELLO\n", Files.readString(mnt.resolve("etc/motd")));
        assertEquals(6, Files.size(mnt.resolve("etc/motd")));
        try (FileChannel ch = FileChannel.open(mnt.resolve("etc/motd"), StandardOpenOption.APPEND)) {
            ch.write(java.nio.ByteBuffer.wrap("more".getBytes(StandardCharsets.UTF_8)));
        }
        assertEquals(10, Files.size(mnt.resolve("etc/motd")), "the size a passthrough write made, seen by stat");
        assertEquals("HELLO\nmore", Files.readString(mnt.resolve("etc/motd")));
    }

    @Test
    void mmapReadsTheLowerFile() throws Exception {
        try (FileChannel ch = FileChannel.open(mnt.resolve("etc/passwd"), StandardOpenOption.READ)) {
            MappedByteBuffer m = ch.map(FileChannel.MapMode.READ_ONLY, 0, ch.size());
            byte[] b = new byte[m.remaining()];
            m.get(b);
            assertEquals("root:x:0:0\n", new String(b, StandardCharsets.UTF_8));
        }
    }

    @Test
    void aCopyUpWhileTheLowerFileIsOpenIsRefusedAndLosesNothing() throws Exception {
        Path a = mnt.resolve("d/a");
        try (RandomAccessFile reader = new RandomAccessFile(a.toFile(), "r")) {
            assertEquals('a', reader.read());
            FileSystemException e = assertThrows(FileSystemException.class,
                    () -> Files.writeString(a, "changed", StandardOpenOption.APPEND));
            assertTrue(String.valueOf(e.getReason()).contains("busy"), e.toString());
        }
        Files.writeString(a, "+more", StandardOpenOption.APPEND); // the reader is gone: now it can be written
        assertEquals("a+more", Files.readString(a));
        assertEquals("a", Files.readString(base.resolve("lower1/d/a")));
    }

    @Test
    void aNewFileIsPassthroughFromItsCreate() throws Exception {
        Path n = mnt.resolve("d/new");
        long before = Passthrough.BACKING_OPENS.get();
        try (FileChannel w = FileChannel.open(n, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
            assertEquals(before + 1, Passthrough.BACKING_OPENS.get(), "CREATE opened the new upper file for passthrough");
            w.write(java.nio.ByteBuffer.wrap("fresh".getBytes(StandardCharsets.UTF_8)));
            assertEquals(5, Files.size(n), "the size a passthrough write made, seen by stat at once");
            assertEquals("fresh", Files.readString(n), "a second open while CREATE's is live shares its backing file");
            assertEquals(before + 1, Passthrough.BACKING_OPENS.get());
        }
        assertEquals("fresh", Files.readString(base.resolve("upper/d/new")), "written into the upper file");
        // close(2) sends RELEASE without waiting for it: an open served before it still shares the old backing file
        long deadline = System.nanoTime() + 10_000_000_000L;
        do {
            assertEquals("fresh", Files.readString(n));
        } while (Passthrough.BACKING_OPENS.get() == before + 1 && System.nanoTime() < deadline && sleep(20));
        assertTrue(Passthrough.BACKING_OPENS.get() > before + 1, "once closed, a new open registers its own");
        assertEquals(List.of("a", "b", "new"), ls(mnt.resolve("d")));
    }

    private static boolean sleep(long millis) throws InterruptedException {
        Thread.sleep(millis);
        return true;
    }
}
