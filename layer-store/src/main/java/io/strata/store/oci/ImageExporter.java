package io.strata.store.oci;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.store.StoreException;
import io.strata.store.Trees;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code strata image export}: each layer as the blob it was imported in when the compression asked for is its own
 * (digests unchanged), else its original tar recompressed (diff_id unchanged), else — a layer made by commit — the
 * layer directory written as a deterministic tar ({@link io.strata.store.tar.LayerWriter}); the image's config as it came when the diff_ids
 * are the same (else with the new ones); the manifest as it came when it names the same blobs (else a new one); then an
 * OCI image layout (a directory, or an {@code oci-archive} when PATH ends in .tar) or a {@code docker save} archive.
 * Everything is written next to PATH and renamed into place. So an imported image keeps its id and digests through
 * import → export → import, and the same store content always gives the same bytes.
 */
public final class ImageExporter {
    public enum Format { OCI, DOCKER }

    /** KEEP: each layer in the blob it was imported in (digests unchanged), gzip for layers made here. */
    public enum LayerCompression { KEEP, GZIP, ZSTD, NONE }

    /** What was written: the manifest digest (OCI) and config digest. */
    public record Exported(Path path, String manifestDigest, String configDigest, List<String> diffIds) {
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    static final long ARCHIVE_MTIME = 0;

    private ImageExporter() {
    }

    public static Exported export(ImageStore store, String ref, Path target, Format format, LayerCompression compression) {
        ImageRecord r = store.find(ref);
        if (Files.exists(target)) throw new StoreException(target + " exists already");
        Path parent = target.toAbsolutePath().getParent();
        Path stage;
        try {
            stage = Files.createTempDirectory(parent, ".strata-export-");
        } catch (IOException e) {
            throw new StoreException("cannot write next to " + target + ": " + e.getMessage(), e);
        }
        try {
            Path blobs = Files.createDirectories(stage.resolve("layout/blobs/sha256"));
            List<Path> dirs = store.lowerDirsTopFirst(r);
            List<String> diffIds = new ArrayList<>(), digests = new ArrayList<>(), mediaTypes = new ArrayList<>();
            List<Long> sizes = new ArrayList<>();
            boolean allOriginal = true;
            for (int i = 0; i < r.layers().size(); i++) {
                String hex = Digest.parse(r.layers().get(i).diffId(), "layer").hex();
                Path tmp = stage.resolve("layer-" + i);
                LayerBlobs.Written w = LayerBlobs.write(store, hex, dirs.get(dirs.size() - 1 - i), format == Format.DOCKER
                        ? LayerCompression.NONE : compression, tmp);
                allOriginal &= w.original();
                diffIds.add(w.diffId());
                digests.add(w.digest().toString());
                mediaTypes.add(w.mediaType());
                sizes.add(Files.size(tmp));
                Files.move(tmp, blobs.resolve(w.digest().hex()), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            byte[] configBytes = store.config(r);
            ObjectNode config = (ObjectNode) JSON.readTree(configBytes);
            List<String> had = new ArrayList<>();
            config.path("rootfs").path("diff_ids").forEach(n -> had.add(n.asText()));
            if (!had.equals(diffIds)) { // layers re-tarred: the config names the new tars
                ObjectNode rootfs = config.with("rootfs");
                rootfs.put("type", "layers");
                ArrayNode ids = rootfs.putArray("diff_ids");
                diffIds.forEach(ids::add);
                configBytes = JSON.writeValueAsBytes(config);
            }
            Digest configDigest = Digest.of(configBytes);
            Files.write(blobs.resolve(configDigest.hex()), configBytes);
            String name = r.names().isEmpty() ? null : r.names().get(0);
            Exported result;
            if (format == Format.OCI) {
                byte[] manifest = allOriginal ? originalManifest(store.manifest(r), configDigest, digests) : null;
                if (manifest == null) manifest = manifest(configDigest, configBytes.length, digests, sizes, mediaTypes);
                Digest md = Digest.of(manifest);
                Files.write(blobs.resolve(md.hex()), manifest);
                Path layout = stage.resolve("layout");
                Files.writeString(layout.resolve("oci-layout"), "{\"imageLayoutVersion\":\"1.0.0\"}");
                Files.write(layout.resolve("index.json"), index(md, manifest.length, name));
                result = new Exported(target, md.toString(), configDigest.toString(), diffIds);
                if (target.getFileName().toString().endsWith(".tar")) archive(layout, stage.resolve("out.tar"));
                else Files.move(layout, stage.resolve("out.tar"));
            } else {
                Path d = Files.createDirectories(stage.resolve("docker"));
                Files.write(d.resolve(configDigest.hex() + ".json"), configBytes);
                ArrayNode manifest = JSON.createArrayNode();
                ObjectNode m = manifest.addObject();
                m.put("Config", configDigest.hex() + ".json");
                ArrayNode tags = m.putArray("RepoTags");
                if (name != null) tags.add(name);
                ArrayNode layers = m.putArray("Layers");
                for (int i = 0; i < digests.size(); i++) {
                    String hex = Digest.parse(diffIds.get(i), "layer").hex();
                    Files.createDirectories(d.resolve(hex));
                    Files.move(blobs.resolve(Digest.parse(digests.get(i), "layer").hex()), d.resolve(hex + "/layer.tar"),
                            java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    layers.add(hex + "/layer.tar");
                }
                Files.write(d.resolve("manifest.json"), JSON.writeValueAsBytes(manifest));
                ObjectNode repos = JSON.createObjectNode();
                if (name != null && !diffIds.isEmpty()) {
                    Reference ref2 = Reference.parse(name);
                    repos.putObject(ref2.name()).put(ref2.tag(), Digest.parse(diffIds.get(diffIds.size() - 1), "layer").hex());
                }
                Files.write(d.resolve("repositories"), JSON.writeValueAsBytes(repos));
                archive(d, stage.resolve("out.tar"));
                result = new Exported(target, null, configDigest.toString(), diffIds);
            }
            Files.move(stage.resolve("out.tar"), target);
            return result;
        } catch (IOException e) {
            throw new StoreException("export to " + target + ": " + e.getMessage(), e);
        } finally {
            Trees.delete(stage);
        }
    }

    /** The manifest the image came with, when it names exactly this config and these blobs; else null. */
    private static byte[] originalManifest(byte[] stored, Digest config, List<String> digests) throws IOException {
        if (stored == null) return null;
        var m = JSON.readTree(stored);
        if (!"application/vnd.oci.image.manifest.v1+json".equals(m.path("mediaType").asText(
                "application/vnd.oci.image.manifest.v1+json"))) return null; // a docker v2 manifest: write an OCI one
        if (!config.toString().equals(m.path("config").path("digest").asText())) return null;
        List<String> listed = new ArrayList<>();
        m.path("layers").forEach(l -> listed.add(l.path("digest").asText()));
        return listed.equals(digests) ? stored : null;
    }

    private static byte[] manifest(Digest config, long configSize, List<String> digests, List<Long> sizes, List<String> mediaTypes)
            throws IOException {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        ObjectNode cd = m.putObject("config");
        cd.put("mediaType", "application/vnd.oci.image.config.v1+json");
        cd.put("digest", config.toString());
        cd.put("size", configSize);
        ArrayNode ls = m.putArray("layers");
        for (int i = 0; i < digests.size(); i++) {
            ObjectNode l = ls.addObject();
            l.put("mediaType", mediaTypes.get(i));
            l.put("digest", digests.get(i));
            l.put("size", sizes.get(i));
        }
        return JSON.writeValueAsBytes(m);
    }

    private static byte[] index(Digest manifest, long size, String name) throws IOException {
        ObjectNode idx = JSON.createObjectNode();
        idx.put("schemaVersion", 2);
        idx.put("mediaType", "application/vnd.oci.image.index.v1+json");
        ObjectNode d = idx.putArray("manifests").addObject();
        d.put("mediaType", "application/vnd.oci.image.manifest.v1+json");
        d.put("digest", manifest.toString());
        d.put("size", size);
        if (name != null) {
            ObjectNode a = d.putObject("annotations");
            a.put("io.containerd.image.name", name);
            a.put("org.opencontainers.image.ref.name", Reference.parse(name).tag());
        }
        return JSON.writeValueAsBytes(idx);
    }

    /** A tar of a directory of regular files: members sorted, directories listed, mtime 0, owner 0, modes 0755/0644. */
    private static void archive(Path dir, Path out) throws IOException {
        Map<String, Path> members = new TreeMap<>();
        try (var s = Files.walk(dir)) {
            for (Path p : s.filter(p -> !p.equals(dir)).toList())
                members.put(dir.relativize(p) + (Files.isDirectory(p) ? "/" : ""), p);
        }
        try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(out), 1 << 16);
             TarArchiveOutputStream tar = new TarArchiveOutputStream(os, StandardCharsets.UTF_8.name())) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            for (Map.Entry<String, Path> m : members.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(m.getKey());
                boolean isDir = m.getKey().endsWith("/");
                e.setModTime(FileTime.from(ARCHIVE_MTIME, TimeUnit.SECONDS));
                e.setIds(0, 0);
                e.setUserName("");
                e.setGroupName("");
                e.setMode(isDir ? 0755 : 0644);
                if (!isDir) e.setSize(Files.size(m.getValue()));
                tar.putArchiveEntry(e);
                if (!isDir) try (InputStream in = Files.newInputStream(m.getValue())) {
                    in.transferTo(tar);
                }
                tar.closeArchiveEntry();
            }
        }
    }
}
