package io.strata.store.oci;

import com.fasterxml.jackson.databind.JsonNode;
import io.strata.store.StoreException;
import io.strata.store.Trees;
import io.strata.store.tar.Decompression;
import io.strata.store.tar.LayerExtractor;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code strata image import}: reads the source, then each layer once: its blob is hashed as it streams through the
 * decompressor into {@link LayerExtractor}, which writes a temporary directory of the store; only when the blob digest
 * and the diff_id both match is that directory renamed into {@code layers/sha256/DIFFID}. Layers already in the store
 * are only verified. The image record comes last. Any failure removes everything this import created.
 */
public final class ImageImporter {
    /** Progress of an import, for a bar on a terminal or plain lines. */
    public interface Progress {
        void layer(int index, int count, String diffId, long blobSize, boolean alreadyStored);

        void bytes(long n);

        void layerDone(int index, int count, LayerRecord layer);

        Progress NONE = new Progress() {
            public void layer(int i, int n, String d, long s, boolean a) {
            }

            public void bytes(long n) {
            }

            public void layerDone(int i, int n, LayerRecord l) {
            }
        };
    }

    private final ImageStore store;
    private final boolean allowDevices;
    private final Progress progress;
    private final List<Path> created = new ArrayList<>();
    private Path scratch;

    private ImageImporter(ImageStore store, boolean allowDevices, Progress progress) {
        this.store = store;
        this.allowDevices = allowDevices;
        this.progress = progress;
    }

    public static ImageRecord run(ImageStore store, Path source, String name, boolean allowDevices, Progress progress) {
        String wanted = name == null ? null : Reference.parse(name).toString();
        try (ImageStore.Lock l = store.lock()) {
            return new ImageImporter(store, allowDevices, progress).importImage(source, wanted);
        } catch (IOException e) {
            throw new StoreException("import of " + source + ": " + e.getMessage(), e);
        }
    }

    private ImageRecord importImage(Path source, String wanted) throws IOException {
        scratch = Files.createTempDirectory(store.tmp(), "source-");
        try {
            SourceImage src = ImageSources.open(source, scratch, wanted);
            List<String> diffIds = diffIds(src);
            List<ImageRecord.LayerRef> refs = new ArrayList<>();
            for (int i = 0; i < src.layers().size(); i++) {
                SourceImage.LayerBlob b = src.layers().get(i);
                String what = "layer " + (i + 1) + "/" + src.layers().size() + " ("
                        + (b.digest() != null ? b.digest() : b.file().startsWith(scratch) ? scratch.relativize(b.file()) : b.file()) + ")";
                Digest diffId = Digest.parse(diffIds.get(i), what + " diff_id");
                boolean stored = store.hasLayer(diffId.hex());
                progress.layer(i + 1, src.layers().size(), diffId.toString(), b.size(), stored);
                LayerRecord rec = stored ? verifyOnly(b, diffId, what) : extract(b, diffId, what);
                progress.layerDone(i + 1, src.layers().size(), rec);
                refs.add(new ImageRecord.LayerRef(diffId.toString(), b.digest() == null ? null : b.digest().toString(),
                        b.mediaType(), b.size()));
            }
            String name = wanted != null ? wanted : src.suggestedName() != null && Reference.isValid(src.suggestedName())
                    ? Reference.parse(src.suggestedName()).toString() : null;
            ImageRecord r = new ImageRecord(src.configDigest().hex(), name == null ? List.of() : List.of(name), src.format(),
                    src.manifestDigest() == null ? null : src.manifestDigest().toString(), src.configDigest().toString(),
                    refs, Instant.now().truncatedTo(ChronoUnit.SECONDS).toString());
            Path dir = store.images().resolve(r.id());
            if (!Files.isDirectory(dir)) {
                Path t = Files.createTempDirectory(store.tmp(), "image-");
                Files.write(t.resolve("config.json"), src.config());
                if (src.manifest() != null) Files.write(t.resolve("manifest.json"), src.manifest());
                ImageStore.JSON.writeValue(t.resolve("image.json").toFile(), r);
                ImageStore.move(t, dir);
            }
            if (name != null) store.claimName(r.id(), name);
            created.clear();
            return store.find(r.id());
        } finally {
            for (Path p : created) Trees.delete(p); // a failed import takes back the layers it made
            Trees.delete(scratch);
        }
    }

    private static List<String> diffIds(SourceImage src) {
        JsonNode config = ImageSources.json(src.config(), "config " + src.configDigest());
        JsonNode ids = config.path("rootfs").path("diff_ids");
        if (!ids.isArray()) throw new StoreException("config " + src.configDigest() + ": no rootfs.diff_ids");
        if (ids.size() != src.layers().size())
            throw new StoreException("config lists " + ids.size() + " diff_ids, the manifest " + src.layers().size() + " layers");
        List<String> out = new ArrayList<>();
        ids.forEach(n -> out.add(n.asText()));
        return out;
    }

    private LayerRecord extract(SourceImage.LayerBlob b, Digest diffId, String what) throws IOException {
        Path t = Files.createTempDirectory(store.tmp(), "layer-");
        Path diff = Files.createDirectory(t.resolve("diff"));
        boolean ok = false;
        try {
            Streams s = new Streams(b.file());
            LayerExtractor.Stats stats;
            try (s) {
                try {
                    stats = LayerExtractor.extract(s.tar(), diff, allowDevices);
                    s.drain();
                } catch (StoreException | IOException e) {
                    s.checkBlobAfterFailure(b, what);
                    throw new StoreException(what + ": " + s.describe(e), e);
                }
            }
            s.check(b, diffId, what);
            keepBlob(b.file(), t.resolve(LayerRecord.BLOB));
            LayerRecord rec = new LayerRecord(diffId.toString(), b.digest() == null ? null : b.digest().toString(),
                    stats.entries(), stats.bytes(), s.blobDigest.toString(), LayerMediaTypes.of(s.kind));
            ImageStore.JSON.writeValue(t.resolve("layer.json").toFile(), rec);
            Path target = store.layers().resolve(diffId.hex());
            ImageStore.move(t, target);
            created.add(target);
            ok = true;
            return rec;
        } finally {
            if (!ok) Trees.delete(t);
        }
    }

    /**
     * The blob as it came, beside the layer: a hard link when it is this import's own unpacked copy (scratch), else a
     * copy (a user's layout directory may change under a link).
     */
    private void keepBlob(Path blob, Path target) throws IOException {
        if (blob.toAbsolutePath().startsWith(scratch.toAbsolutePath())) {
            try {
                Files.createLink(target, blob);
                return;
            } catch (IOException | UnsupportedOperationException e) {
                // another filesystem: copy
            }
        }
        Files.copy(blob, target);
    }

    /** A layer the store has: the blob must still be what the image says. */
    private LayerRecord verifyOnly(SourceImage.LayerBlob b, Digest diffId, String what) throws IOException {
        Streams s = new Streams(b.file());
        try (s) {
            try {
                s.drain();
            } catch (IOException e) {
                s.checkBlobAfterFailure(b, what);
                throw new StoreException(what + ": " + s.describe(e), e);
            }
        }
        s.check(b, diffId, what);
        return store.layerRecord(diffId.hex());
    }

    /** blob file → sha256 → decompressor → sha256 → tar, with the byte count reported as progress. */
    private final class Streams implements AutoCloseable {
        final MessageDigest blobMd = Digest.sha256(), tarMd = Digest.sha256();
        final InputStream file;
        final BufferedInputStream blob;
        final Decompression kind;
        InputStream tar;
        IOException openFailure;

        Streams(Path f) throws IOException {
            file = Files.newInputStream(f);
            InputStream counted = new FilterInputStream(file) {
                @Override
                public int read(byte[] buf, int off, int len) throws IOException {
                    int n = super.read(buf, off, len);
                    if (n > 0) progress.bytes(n);
                    return n;
                }
            };
            blob = new BufferedInputStream(new DigestInputStream(counted, blobMd), 1 << 16);
            kind = Decompression.sniff(blob);
            try {
                tar = new DigestInputStream(kind.open(blob), tarMd);
            } catch (IOException e) {
                openFailure = e;
                tar = InputStream.nullInputStream();
            }
        }

        InputStream tar() throws IOException {
            if (openFailure != null) throw openFailure;
            return tar;
        }

        /** Reads the rest of the decompressed stream (the tar's padding, the compressor's trailer) and of the blob. */
        void drain() throws IOException {
            tar().transferTo(OutputStreamSink.INSTANCE);
            blob.transferTo(OutputStreamSink.INSTANCE);
        }

        /** After a failure: a blob that is not the one named is the real story. */
        void checkBlobAfterFailure(SourceImage.LayerBlob b, String what) {
            if (b.digest() == null) return;
            try {
                blob.transferTo(OutputStreamSink.INSTANCE);
            } catch (IOException ignored) {
                return;
            }
            Digest actual = Digest.of(blobMd);
            if (!actual.equals(b.digest()))
                throw new StoreException(what + ": digest mismatch: the manifest says " + b.digest() + ", the blob is " + actual);
        }

        /** The blob's digest, once {@link #check} has run. */
        Digest blobDigest;

        void check(SourceImage.LayerBlob b, Digest diffId, String what) {
            Digest actual = blobDigest = Digest.of(blobMd);
            if (b.digest() != null && !actual.equals(b.digest()))
                throw new StoreException(what + ": digest mismatch: the manifest says " + b.digest() + ", the blob is " + actual);
            Digest tarDigest = Digest.of(tarMd);
            if (!tarDigest.equals(diffId))
                throw new StoreException(what + ": diff_id mismatch: the config says " + diffId + ", the uncompressed layer is " + tarDigest);
        }

        String describe(Exception e) {
            String k = kind.name().toLowerCase();
            for (Throwable c = e; c != null; c = c.getCause())
                if (c instanceof java.util.zip.ZipException || c.getClass().getName().startsWith("com.github.luben.zstd"))
                    return "corrupt " + k + " data (" + c.getMessage() + ")";
            if (e instanceof java.io.EOFException) return "truncated " + k + " stream";
            if (kind != Decompression.PLAIN && e.getMessage() != null && e.getMessage().startsWith("not a tar")) {
                try { // a decompressor without checksums may hand out garbage: its own error is the better story
                    tar.transferTo(OutputStreamSink.INSTANCE);
                } catch (IOException d) {
                    return "corrupt " + k + " data (" + d.getMessage() + ")";
                }
                return e.getMessage() + " (after " + k + " decompression: corrupt " + k + " data, or a layer that is no tar)";
            }
            return e.getMessage();
        }

        @Override
        public void close() throws IOException {
            file.close();
        }
    }

    private static final class OutputStreamSink extends java.io.OutputStream {
        static final OutputStreamSink INSTANCE = new OutputStreamSink();

        @Override
        public void write(int b) {
        }

        @Override
        public void write(byte[] b, int off, int len) {
        }
    }
}
