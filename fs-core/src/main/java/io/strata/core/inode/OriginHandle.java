package io.strata.core.inode;

import io.strata.core.errno.FsException;
import io.strata.core.host.Host;

import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * The value of {@code trusted.overlay.origin}, byte for byte what kernel overlayfs writes at copy-up (struct ovl_fb):
 * version 0, magic 0xfb, total length, flags (big-endian bit; 0 on little-endian hosts), the exported handle's type,
 * the 16-byte UUID of the lower filesystem, then the handle. The kernel uses it for the copied-up object's st_ino
 * and for hard-link indexing; Strata writes and reads the same, so each keeps the other's inode numbers.
 */
public record OriginHandle(byte flags, int type, byte[] uuid, byte[] handle) {
    private static final int HEADER = 21;
    private static final byte MAGIC = (byte) 0xfb;
    private static final byte FLAG_BIG_ENDIAN = 1, FLAG_ANY_ENDIAN = 2;
    private static final byte CPU_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.BIG_ENDIAN ? FLAG_BIG_ENDIAN : 0;

    /** The origin of a lower object, or null when its filesystem cannot export handles or has no UUID. */
    public static OriginHandle of(String hostPath, byte[] fsUuid) throws FsException {
        if (fsUuid == null) return null;
        Host.FileHandle fh = Host.fileHandle(hostPath);
        if (fh == null || fh.bytes().length > 255 - HEADER) return null;
        return new OriginHandle(CPU_ENDIAN, fh.type(), fsUuid, fh.bytes());
    }

    /** Parses an origin xattr; null when it is empty (the kernel's "no origin") or not a valid ovl_fb. */
    public static OriginHandle parse(byte[] v) {
        if (v == null || v.length < HEADER || v[0] != 0 || v[1] != MAGIC) return null;
        int len = v[2] & 0xff;
        if (len < HEADER || len > v.length) return null;
        byte flags = v[3];
        if ((flags & FLAG_ANY_ENDIAN) == 0 && (flags & FLAG_BIG_ENDIAN) != CPU_ENDIAN) return null;
        return new OriginHandle(flags, v[4] & 0xff, Arrays.copyOfRange(v, 5, HEADER), Arrays.copyOfRange(v, HEADER, len));
    }

    public byte[] encode() {
        byte[] v = new byte[HEADER + handle.length];
        v[0] = 0;
        v[1] = MAGIC;
        v[2] = (byte) v.length;
        v[3] = flags;
        v[4] = (byte) type;
        System.arraycopy(uuid, 0, v, 5, 16);
        System.arraycopy(handle, 0, v, HEADER, handle.length);
        return v;
    }

    public Host.FileHandle fileHandle() {
        return new Host.FileHandle(type, handle);
    }

    /** The origin a kernel index entry's name (hex of the ovl_fb) stands for, or null when it is not one. */
    public static OriginHandle fromIndexName(String name) {
        if (name.length() % 2 != 0 || name.length() > 512) return null;
        byte[] b = new byte[name.length() / 2];
        for (int i = 0; i < b.length; i++) {
            int hi = Character.digit(name.charAt(2 * i), 16), lo = Character.digit(name.charAt(2 * i + 1), 16);
            if (hi < 0 || lo < 0) return null;
            b[i] = (byte) (hi << 4 | lo);
        }
        return parse(b);
    }

    /** The handle in the kernel's index naming: lowercase hex of the whole ovl_fb (WORKDIR/index/NAME). */
    public String indexName() {
        StringBuilder sb = new StringBuilder();
        for (byte b : encode()) sb.append(Character.forDigit((b >> 4) & 0xf, 16)).append(Character.forDigit(b & 0xf, 16));
        return sb.toString();
    }
}
