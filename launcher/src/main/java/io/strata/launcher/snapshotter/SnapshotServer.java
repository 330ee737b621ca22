package io.strata.launcher.snapshotter;

import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;

/** The gRPC server of a {@link Snapshotter} on a unix socket (netty's epoll transport, inside grpc-netty-shaded). */
public final class SnapshotServer implements AutoCloseable {
    /** grpc asks every child channel for SO_KEEPALIVE, which unix sockets do not have: netty warns once per connection. */
    private static final Logger BOOTSTRAP_LOG = Logger.getLogger("io.grpc.netty.shaded.io.netty.bootstrap.AbstractBootstrap");

    private final Server server;
    private final EventLoopGroup boss, workers;
    private final Path socket;

    private SnapshotServer(Server server, EventLoopGroup boss, EventLoopGroup workers, Path socket) {
        this.server = server;
        this.boss = boss;
        this.workers = workers;
        this.socket = socket;
    }

    /** Serves on socket (a stale socket file there is replaced) until {@link #close()}. */
    public static SnapshotServer start(Snapshotter snapshotter, Path socket, boolean verbose) throws IOException {
        BOOTSTRAP_LOG.setLevel(Level.SEVERE);
        Path sock = socket.toAbsolutePath();
        Files.createDirectories(sock.getParent());
        Files.deleteIfExists(sock);
        EventLoopGroup boss = new EpollEventLoopGroup(1), workers = new EpollEventLoopGroup(2);
        try {
            Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(sock.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(boss).workerEventLoopGroup(workers)
                    .addService(new SnapshotsService(snapshotter, verbose))
                    .build().start();
            return new SnapshotServer(server, boss, workers, sock);
        } catch (IOException | RuntimeException e) {
            boss.shutdownGracefully();
            workers.shutdownGracefully();
            throw e;
        }
    }

    public void awaitTermination() throws InterruptedException {
        server.awaitTermination();
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) server.shutdownNow();
            Files.deleteIfExists(socket);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (IOException ignored) {
            // the socket file is replaced at the next start anyway
        }
        boss.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        workers.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
