package io.strata.store.block.pages;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;

/**
 * Page directories whose generation is gone, deleted in the background. A drop renames the generation's directory
 * into {@code DB/pages/trash} (one rename on the same filesystem, whatever it holds) and a daemon thread of the store
 * deletes it afterwards: unlinking a 1 GiB page file took 23–223 ms, which a restore used to pay in its request.
 *
 * <p>The worker starts {@link #GRACE_MS} after it is woken. Large files are shortened in {@link #STEP} steps before
 * they are unlinked, so that no single call frees much and {@link #close} waits at most for one step. What a crash,
 * a kill -9 or a close leaves in the trash is deleted after the next open ({@link PageFiles#sweep}); a half-deleted
 * entry is just a smaller one.
 */
public final class Trash implements AutoCloseable {
    /** Bytes freed per call when a large file is deleted. */
    static final long STEP = 64L << 20;
    /**
     * How long the worker waits after a wake before it deletes anything, so that the request that filled the trash
     * replies first: deleting a large file keeps a core busy for tens of ms (16 truncates of 3-4 ms for 1 GiB), and on
     * a 2-core machine a worker that started at once delayed the reply of a restore after 1 GiB of writes by ~2 ms
     * (daemon-side restore medians 2.7 -> 0.6 ms outside the store's own work, restore over the daemon's socket).
     */
    public static final long GRACE_MS = 20;
    /** How long {@link #close} waits for the step in progress. */
    private static final long CLOSE_WAIT_MS = 2000;

    private final Path dir;
    private Thread worker;   // guarded by this; started by the first wake
    private boolean pending; // guarded by this: entries were added since the worker last listed the trash
    private volatile boolean closed;

    Trash(Path dir) {
        this.dir = dir;
    }

    public Path dir() {
        return dir;
    }

    /**
     * Moves d into the trash under a name that starts with name (a rename: d is gone from its place at once) and has
     * the worker delete it; false when there is no d.
     */
    boolean put(Path d, String name) throws FsException {
        try {
            Files.createDirectories(dir);
            Files.move(d, dir.resolve(name + "." + System.nanoTime()), StandardCopyOption.ATOMIC_MOVE);
        } catch (NoSuchFileException e) {
            return false;
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "move " + d + " to " + dir + ": " + e.getMessage());
        }
        wake();
        return true;
    }

    /** Has the worker delete whatever the trash holds (after an open: what a crash or a close left). */
    synchronized void wake() {
        if (closed) return;
        pending = true;
        if (worker == null) {
            worker = new Thread(this::run, "strata-store-trash");
            worker.setDaemon(true);
            worker.start();
        }
        notifyAll();
    }

    private void run() {
        while (true) {
            synchronized (this) {
                while (!pending && !closed) {
                    try {
                        wait();
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                long until = System.nanoTime() + GRACE_MS * 1_000_000;
                for (long left; !closed && (left = until - System.nanoTime()) > 0; ) {
                    try {
                        wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        return;
                    }
                }
                if (closed) return;
                pending = false;
            }
            empty();
        }
    }

    /** Deletes the trash's entries until none is left or the store closes; a failure leaves the rest for later. */
    private void empty() {
        List<Path> entries = new ArrayList<>();
        try (DirectoryStream<Path> s = Files.newDirectoryStream(dir)) {
            for (Path p : s) entries.add(p);
        } catch (IOException e) {
            return; // no trash (NoSuchFileException) or an unreadable one: nothing this worker can do
        }
        for (Path p : entries) {
            if (closed) return;
            try {
                delete(p);
            } catch (IOException e) {
                System.err.println("strata store: cannot delete " + p + " (left for the next open): " + e);
            }
        }
    }

    private void delete(Path entry) throws IOException {
        Files.walkFileTree(entry, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) throws IOException {
                if (closed) return FileVisitResult.TERMINATE;
                if (a.isRegularFile() && !shorten(f, a.size())) return FileVisitResult.TERMINATE;
                Files.deleteIfExists(f);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) throws IOException {
                if (e instanceof NoSuchFileException) return FileVisitResult.CONTINUE; // deleted by another store's worker
                throw e;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path d, IOException e) throws IOException {
                if (closed) return FileVisitResult.TERMINATE;
                if (e != null && !(e instanceof NoSuchFileException)) throw e;
                Files.deleteIfExists(d);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    /** Truncates f down to its last STEP, a step at a time; false when the store closed meanwhile. */
    private boolean shorten(Path f, long size) throws IOException {
        if (size <= STEP) return true;
        try (FileChannel ch = FileChannel.open(f, StandardOpenOption.WRITE)) {
            for (long to = (size - 1) / STEP * STEP; to >= STEP; to -= STEP) {
                if (closed) return false;
                ch.truncate(to);
            }
        } catch (NoSuchFileException e) {
            // deleted by another store's worker
        }
        return true;
    }

    /** Stops the worker after its current step (waiting for that at most a moment); the rest waits for the next open. */
    @Override
    public void close() {
        Thread w;
        synchronized (this) {
            closed = true;
            notifyAll();
            w = worker;
        }
        if (w == null || w == Thread.currentThread()) return;
        try {
            w.join(CLOSE_WAIT_MS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
