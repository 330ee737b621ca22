package io.strata.store.daemon;

import io.strata.core.errno.FsException;
import io.strata.store.block.BlockStore;
import io.strata.store.block.db.MemoryBudget;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * {@code strata daemon}: the one process that owns a store's RocksDB, serving requests on the store's unix socket
 * (owner-only). Stops on a {@code stop} request, or after idleSeconds without a request (0: never).
 */
public final class StoreDaemon implements AutoCloseable {
    private final StoreRoot root;
    private final BlockStore store;
    private final StoreRequests requests;
    private final ServerSocketChannel server;
    private final ExecutorService workers = Executors.newFixedThreadPool(4, r -> {
        Thread t = new Thread(r, "strata-store-request");
        t.setDaemon(true);
        return t;
    });
    private final long idleNanos;
    private volatile long lastRequest = System.nanoTime();
    private volatile boolean stopping;

    private final ContainerMounts mounts;
    private final ContainerRuns runs;

    public StoreDaemon(StoreRoot root, MemoryBudget memory, int idleSeconds) throws IOException, FsException {
        this(root, memory, idleSeconds, ContainerMounts.NONE, ContainerRuns.NONE);
    }

    public StoreDaemon(StoreRoot root, MemoryBudget memory, int idleSeconds, ContainerMounts mounts, ContainerRuns runs)
            throws IOException, FsException {
        this.root = root;
        this.mounts = mounts;
        this.runs = runs;
        this.idleNanos = idleSeconds * 1_000_000_000L;
        root.create();
        if (Files.exists(root.socket())) {
            if (new StoreClient(root).reachable()) throw new IOException("a strata daemon already serves " + root.dir());
            Files.delete(root.socket()); // left by a daemon that was killed
        }
        this.store = BlockStore.open(root.db(), memory);
        this.requests = new StoreRequests(store, mounts, runs, root.dir());
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            s.bind(UnixDomainSocketAddress.of(root.socket()));
            Files.setPosixFilePermissions(root.socket(), PosixFilePermissions.fromString("rw-------"));
        } catch (IOException e) {
            s.close();
            store.close();
            throw e;
        }
        this.server = s;
        runs.open(store, requests::handle);
    }

    public BlockStore store() {
        return store;
    }

    /** Serves until stopped; returns then, with everything closed. */
    public void serve() {
        Thread idle = new Thread(this::watchIdle, "strata-store-idle");
        idle.setDaemon(true);
        if (idleNanos > 0) idle.start();
        try {
            while (!stopping) {
                SocketChannel ch;
                try {
                    ch = server.accept();
                } catch (ClosedChannelException e) {
                    break;
                } catch (IOException e) {
                    if (stopping) break;
                    continue;
                }
                lastRequest = System.nanoTime();
                workers.execute(() -> answer(ch));
            }
        } finally {
            close();
        }
    }

    private void watchIdle() {
        while (!stopping) {
            try {
                Thread.sleep(1000);
            } catch (InterruptedException e) {
                return;
            }
            if (System.nanoTime() - lastRequest > idleNanos && mounts.active() == 0 && runs.active() == 0) stop();
        }
    }

    public void stop() {
        stopping = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing to do about it
        }
    }

    private void answer(SocketChannel ch) {
        try (ch) {
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            String line = in.readLine();
            List<String> args = Protocol.parseRequest(line == null ? "" : line);
            StringBuilder reply = new StringBuilder();
            if (args.size() == 1 && args.get(0).equals("stop")) {
                reply.append(Protocol.ok());
                write(ch, reply);
                stop();
                return;
            }
            try {
                for (String o : requests.handle(args)) reply.append(Protocol.out(o));
                reply.append(Protocol.ok());
            } catch (FsException e) {
                reply.append(Protocol.err(e.errno().name(), e.getMessage()));
            } catch (RuntimeException e) {
                reply.append(Protocol.err("EIO", e.toString()));
            }
            write(ch, reply);
        } catch (IOException ignored) {
            // the client went away: nothing to answer
        }
    }

    private static void write(SocketChannel ch, CharSequence s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.toString().getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) ch.write(b);
    }

    @Override
    public synchronized void close() {
        stopping = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing
        }
        workers.shutdown();
        try {
            workers.awaitTermination(30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (!storeClosed) {
            storeClosed = true;
            runs.close(); // their containers stop before their rootfs goes
            mounts.close(); // unmounts and closes their layers before the store goes
            // a mount that is served on (its loop would not end) reads the store: the process exit closes it instead
            if (mounts.allEnded()) store.close();
            else System.err.println("strata daemon: a mount is still served; the store is left to the process exit");
        }
        try { // last: a client that waits for the socket to go knows the store is closed
            Files.deleteIfExists(root.socket());
        } catch (IOException ignored) {
            // a stale socket is detected and replaced by the next daemon
        }
    }

    private boolean storeClosed;
}
