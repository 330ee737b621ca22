package io.strata.store.daemon;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;

/** Talks to the daemon of one store over its unix socket. */
public final class StoreClient {
    private final StoreRoot root;

    public StoreClient(StoreRoot root) {
        this.root = root;
    }

    /** The daemon cannot be reached: the message says where and why. */
    public static final class Unreachable extends IOException {
        Unreachable(String message) {
            super(message);
        }
    }

    public boolean reachable() {
        try {
            return call(List.of("ping")).ok();
        } catch (IOException e) {
            return false;
        }
    }

    public Protocol.Response call(List<String> args) throws IOException {
        if (!Files.exists(root.socket()))
            throw new Unreachable("no strata daemon for store " + root.dir() + " (no socket " + root.socket() + ")");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            try {
                ch.connect(UnixDomainSocketAddress.of(root.socket()));
            } catch (IOException e) {
                throw new Unreachable("cannot reach the strata daemon at " + root.socket() + ": " + e.getMessage());
            }
            ByteBuffer req = ByteBuffer.wrap(Protocol.request(args).getBytes(StandardCharsets.UTF_8));
            while (req.hasRemaining()) ch.write(req);
            ch.shutdownOutput();
            BufferedReader in = new BufferedReader(new InputStreamReader(Channels.newInputStream(ch), StandardCharsets.UTF_8));
            List<String> lines = new ArrayList<>();
            for (String line; (line = in.readLine()) != null; ) {
                if (line.startsWith("out\t")) lines.add(line.substring(4));
                else if (line.equals("ok")) return new Protocol.Response(lines, null, null);
                else if (line.startsWith("err\t")) {
                    String[] p = line.split("\t", 3);
                    return new Protocol.Response(lines, p[1], p.length > 2 ? p[2] : "");
                }
            }
            throw new IOException("the strata daemon at " + root.socket() + " closed the connection without an answer");
        }
    }
}
