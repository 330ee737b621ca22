package io.strata.store.tar;

import io.strata.store.StoreException;

import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Commons Compress decodes every PAX record value as UTF-8, so a binary xattr ({@code SCHILY.xattr.security.capability},
 * an IMA signature) arrives mangled. This tap sits under its {@code TarArchiveInputStream}, follows the tar's block
 * structure in the bytes it passes on (headers, PAX and GNU long-name blocks, member data, GNU sparse extension blocks)
 * and keeps, for each member in order, its name and the raw bytes of its xattr records. The extractor asks for the raw
 * value only when the decoded one is not the same bytes, and checks that the member names agree.
 */
final class RawXattrTap extends FilterInputStream {
    static final String SCHILY = "SCHILY.xattr.";
    private static final int BLOCK = 512, MAX_META = 16 << 20;

    /** One member as the tap saw it. */
    record Member(String name, Map<String, byte[]> xattrs) {
    }

    private enum State { HEADER, META, SPARSE_EXT, DATA }

    private final Deque<Member> members = new ArrayDeque<>();
    private State state = State.HEADER;
    private final byte[] block = new byte[BLOCK];
    private int fill;
    private long remaining, padding;
    private byte metaType;
    private final ByteArrayOutputStream meta = new ByteArrayOutputStream();
    private Map<String, byte[]> paxXattrs = new LinkedHashMap<>();
    private String paxPath, longName, sparseName; // GNU.sparse.name wins over path
    private Long paxSize;
    private String lost; // set when the tap could not follow the stream

    RawXattrTap(InputStream in) {
        super(in);
    }

    /** The next member the tap saw; the extractor calls it once per entry, in order. */
    Member next() {
        return members.pollFirst();
    }

    /** The raw value of xattr {@code name} of the member the extractor is at, checked against the member's name. */
    static byte[] raw(Member m, String entryName, String xattr) {
        if (m == null || !strip(m.name()).equals(strip(entryName)))
            throw new StoreException("member " + EntryNames.quote(entryName) + ": cannot read the raw value of its binary xattr "
                    + xattr + " (tar structure not followed" + (m == null ? "" : ": saw " + EntryNames.quote(m.name())) + ")");
        byte[] v = m.xattrs().get(xattr);
        if (v == null) throw new StoreException("member " + EntryNames.quote(entryName) + ": xattr " + xattr + " not in its PAX header");
        return v;
    }

    private static String strip(String n) {
        return n.endsWith("/") ? n.substring(0, n.length() - 1) : n;
    }

    @Override
    public int read() throws IOException {
        int b = super.read();
        if (b >= 0) feed(new byte[] {(byte) b}, 0, 1);
        return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        int n = super.read(b, off, len);
        if (n > 0) feed(b, off, n);
        return n;
    }

    @Override
    public long skip(long n) throws IOException {
        byte[] buf = new byte[(int) Math.min(n, 1 << 16)];
        long done = 0;
        while (done < n) {
            int r = read(buf, 0, (int) Math.min(buf.length, n - done));
            if (r < 0) break;
            done += r;
        }
        return done;
    }

    @Override
    public boolean markSupported() {
        return false;
    }

    private void feed(byte[] b, int off, int len) {
        while (len > 0 && lost == null) {
            switch (state) {
                case HEADER, SPARSE_EXT -> {
                    int n = Math.min(len, BLOCK - fill);
                    System.arraycopy(b, off, block, fill, n);
                    fill += n;
                    off += n;
                    len -= n;
                    if (fill == BLOCK) {
                        fill = 0;
                        if (state == State.HEADER) header();
                        else if (block[504] == 0) dataNext();
                    }
                }
                case META, DATA -> {
                    int n = (int) Math.min(len, remaining + padding);
                    long dataPart = Math.min(n, remaining);
                    if (state == State.META && dataPart > 0) meta.write(b, off, (int) dataPart);
                    remaining -= dataPart;
                    padding -= n - dataPart;
                    off += n;
                    len -= n;
                    if (remaining == 0 && padding == 0) {
                        if (state == State.META) metaDone();
                        state = State.HEADER;
                    }
                }
            }
        }
    }

    private void header() {
        boolean zero = true;
        for (byte x : block) if (x != 0) { zero = false; break; }
        if (zero) return; // end-of-archive blocks
        byte type = block[156];
        long size = number(block, 124, 12);
        if (size < 0) {
            lost = "bad size field";
            return;
        }
        if (type == 'x' || type == 'g' || type == 'L' || type == 'K') {
            if (size > MAX_META) {
                lost = "oversized extension header";
                return;
            }
            metaType = type;
            meta.reset();
            startData(State.META, size);
            return;
        }
        String name = paxPath != null ? paxPath : longName != null ? longName : ustarName();
        members.addLast(new Member(name, paxXattrs));
        long dataSize = paxSize != null ? paxSize : size;
        paxXattrs = new LinkedHashMap<>();
        paxPath = longName = sparseName = null;
        paxSize = null;
        remaining = dataSize;
        if (type == 'S' && block[482] != 0) state = State.SPARSE_EXT; // old GNU sparse: extension blocks first
        else dataNext();
    }

    private void dataNext() {
        startData(State.DATA, remaining);
    }

    private void startData(State s, long size) {
        remaining = size;
        padding = (BLOCK - size % BLOCK) % BLOCK;
        state = size == 0 ? State.HEADER : s;
        if (size == 0 && s == State.META) metaDone();
    }

    private void metaDone() {
        byte[] data = meta.toByteArray();
        if (metaType == 'L') {
            int end = 0;
            while (end < data.length && data[end] != 0) end++;
            longName = new String(data, 0, end, StandardCharsets.UTF_8);
        } else if (metaType == 'x') {
            records(data);
        }
    }

    /** PAX records: "LEN KEY=VALUE\n", LEN counting the whole record in bytes; VALUE taken as bytes. */
    private void records(byte[] d) {
        int p = 0;
        while (p < d.length) {
            int sp = p;
            while (sp < d.length && d[sp] != ' ') sp++;
            int len;
            try {
                len = Integer.parseInt(new String(d, p, sp - p, StandardCharsets.US_ASCII));
            } catch (NumberFormatException e) {
                return; // Commons Compress reports a malformed header itself
            }
            if (len <= 0 || p + len > d.length) return;
            int eq = sp + 1;
            while (eq < p + len && d[eq] != '=') eq++;
            if (eq >= p + len) return;
            String key = new String(d, sp + 1, eq - sp - 1, StandardCharsets.UTF_8);
            byte[] value = Arrays.copyOfRange(d, eq + 1, p + len - 1);
            if (key.startsWith(SCHILY)) paxXattrs.put(key.substring(SCHILY.length()), value);
            else if (key.equals("path") && sparseName == null) paxPath = new String(value, StandardCharsets.UTF_8);
            else if (key.equals("GNU.sparse.name")) paxPath = sparseName = new String(value, StandardCharsets.UTF_8);
            else if (key.equals("size")) {
                try {
                    paxSize = Long.parseLong(new String(value, StandardCharsets.US_ASCII));
                } catch (NumberFormatException e) {
                    lost = "bad PAX size";
                }
            }
            p += len;
        }
    }

    private String ustarName() {
        String name = cString(block, 0, 100);
        boolean ustar = block[257] == 'u' && block[258] == 's' && block[259] == 't' && block[260] == 'a' && block[261] == 'r';
        boolean gnu = ustar && block[262] == ' ';
        if (ustar && !gnu) {
            String prefix = cString(block, 345, 155);
            if (!prefix.isEmpty()) return prefix + "/" + name;
        }
        return name;
    }

    private static String cString(byte[] b, int off, int max) {
        int end = off;
        while (end < off + max && b[end] != 0) end++;
        return new String(b, off, end - off, StandardCharsets.UTF_8);
    }

    /** An octal field, or base-256 when its first byte has the high bit set; -1 when neither. */
    static long number(byte[] b, int off, int len) {
        if ((b[off] & 0x80) != 0) {
            long v = b[off] & 0x7f;
            for (int i = 1; i < len; i++) v = (v << 8) | (b[off + i] & 0xff);
            return v;
        }
        long v = 0;
        int i = off, end = off + len;
        while (i < end && (b[i] == ' ' || b[i] == 0)) i++;
        if (i == end) return 0;
        for (; i < end && b[i] != 0 && b[i] != ' '; i++) {
            if (b[i] < '0' || b[i] > '7') return -1;
            v = v * 8 + (b[i] - '0');
        }
        return v;
    }
}
