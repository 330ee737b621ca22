package io.strata.store.block.catalog;

import io.strata.core.errno.Errno;
import io.strata.core.errno.FsException;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;

/** The catalog's records and their encodings (see {@link io.strata.store.block.keys.Keys}). */
public final class Records {
    private Records() {
    }

    /** A generation: its parent (0 = none) and whether it is frozen (a snapshot's, never written again). */
    public record Gen(long id, long parent, boolean frozen) {
        public byte[] encode() {
            return bytes(o -> {
                o.writeByte(1);
                o.writeLong(parent);
                o.writeBoolean(frozen);
            });
        }

        public static Gen decode(long id, byte[] v) throws FsException {
            return parse("generation " + id, v, in -> new Gen(id, in.readLong(), in.readBoolean()));
        }

        public Gen frozen(boolean f) {
            return new Gen(id, parent, f);
        }

        public Gen withParent(long p) {
            return new Gen(id, p, frozen);
        }
    }

    /** A container: its writable head generation, its root directory inode, its read-only lower dirs. */
    public record Container(String name, long head, long rootIno, long createdMillis, String lowerdirs) {
        public byte[] encode() {
            return bytes(o -> {
                o.writeByte(1);
                o.writeLong(head);
                o.writeLong(rootIno);
                o.writeLong(createdMillis);
                o.writeUTF(lowerdirs);
            });
        }

        public static Container decode(String name, byte[] v) throws FsException {
            return parse("container " + name, v,
                    in -> new Container(name, in.readLong(), in.readLong(), in.readLong(), in.readUTF()));
        }

        public Container withHead(long h) {
            return new Container(name, h, rootIno, createdMillis, lowerdirs);
        }
    }

    /** A snapshot: the frozen generation that is its state. */
    public record Snapshot(String container, String name, long gen, long createdMillis) {
        public byte[] encode() {
            return bytes(o -> {
                o.writeByte(1);
                o.writeLong(gen);
                o.writeLong(createdMillis);
            });
        }

        public static Snapshot decode(String container, String name, byte[] v) throws FsException {
            return parse("snapshot " + container + "@" + name, v,
                    in -> new Snapshot(container, name, in.readLong(), in.readLong()));
        }
    }

    private interface Writer {
        void write(DataOutputStream o) throws IOException;
    }

    private interface Reader<T> {
        T read(DataInputStream in) throws IOException;
    }

    private static byte[] bytes(Writer w) {
        ByteArrayOutputStream b = new ByteArrayOutputStream(32);
        try {
            w.write(new DataOutputStream(b));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
        return b.toByteArray();
    }

    private static <T> T parse(String what, byte[] v, Reader<T> r) throws FsException {
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(v));
            if (in.readByte() != 1) throw new IOException("unknown record version");
            return r.read(in);
        } catch (IOException e) {
            throw new FsException(Errno.EIO, "corrupt catalog record of " + what + ": " + e.getMessage());
        }
    }
}
