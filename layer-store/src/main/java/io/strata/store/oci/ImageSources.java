package io.strata.store.oci;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.strata.store.StoreException;
import io.strata.store.tar.ArchiveUnpacker;
import io.strata.store.tar.EntryNames;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * Reads an import source: an OCI image layout directory, an {@code oci-archive} tar, or a {@code docker save} tar
 * (unpacked into {@code scratch} first). Manifests and configs are checked against their digests here; layer blobs are
 * checked while they are extracted.
 */
public final class ImageSources {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final long MAX_JSON = 8L << 20;
    public static final String INDEX = "application/vnd.oci.image.index.v1+json";
    public static final String DOCKER_LIST = "application/vnd.docker.distribution.manifest.list.v2+json";

    private ImageSources() {
    }

    public static SourceImage open(Path source, Path scratch, String wantedName) {
        if (!Files.exists(source)) throw new StoreException(source + ": no such file or directory");
        Path dir = source;
        String kind;
        if (Files.isDirectory(source)) {
            kind = "dir";
        } else {
            ArchiveUnpacker.unpack(source, scratch);
            dir = scratch;
            kind = "archive";
        }
        String base = source.getFileName() == null ? "image" : source.getFileName().toString()
                .replaceAll("(\\.oci|\\.docker)?\\.tar(\\.gz)?$", "");
        if (Files.isRegularFile(dir.resolve("oci-layout")) && Files.isRegularFile(dir.resolve("index.json")))
            return ociLayout(dir, kind.equals("dir") ? "oci-layout" : "oci-archive", base, wantedName);
        if (Files.isRegularFile(dir.resolve("manifest.json"))) return dockerArchive(dir, wantedName);
        throw new StoreException(source + ": not an image (no oci-layout + index.json, no docker manifest.json)");
    }

    // ---- OCI image layout ----

    private static SourceImage ociLayout(Path dir, String format, String base, String wantedName) {
        JsonNode layout = json(read(dir.resolve("oci-layout"), "oci-layout"), "oci-layout");
        String v = layout.path("imageLayoutVersion").asText("");
        if (!v.startsWith("1.")) throw new StoreException("oci-layout: unsupported imageLayoutVersion '" + v + "'");
        JsonNode index = json(read(dir.resolve("index.json"), "index.json"), "index.json");
        JsonNode desc = pickManifest(dir, index, wantedName, 0);
        Digest md = Digest.parse(desc.path("digest").asText(null), "manifest descriptor");
        byte[] manifest = blob(dir, md, desc.path("size").asLong(-1), "manifest");
        JsonNode m = json(manifest, "manifest " + md);
        String mt = m.path("mediaType").asText(desc.path("mediaType").asText(""));
        if (!mt.isEmpty() && !mt.equals("application/vnd.oci.image.manifest.v1+json")
                && !mt.equals("application/vnd.docker.distribution.manifest.v2+json"))
            throw new StoreException("manifest " + md + ": unsupported media type " + mt);
        JsonNode cd = m.path("config");
        Digest configDigest = Digest.parse(cd.path("digest").asText(null), "config descriptor");
        byte[] config = blob(dir, configDigest, cd.path("size").asLong(-1), "config");
        List<SourceImage.LayerBlob> layers = new ArrayList<>();
        int i = 0;
        for (JsonNode l : m.path("layers")) {
            i++;
            Digest d = Digest.parse(l.path("digest").asText(null), "layer " + i);
            String mediaType = l.path("mediaType").asText("");
            if (mediaType.contains("nondistributable") || mediaType.contains("foreign"))
                throw new StoreException("layer " + i + " " + d + ": foreign layers (" + mediaType + ") are not supported");
            layers.add(new SourceImage.LayerBlob(blobPath(dir, d, "layer " + i), d, mediaType, l.path("size").asLong(-1)));
        }
        JsonNode ann = desc.path("annotations");
        String name = ann.path("io.containerd.image.name").asText(null);
        String ref = ann.path("org.opencontainers.image.ref.name").asText(null);
        if (name == null && ref != null) name = Reference.isValid(ref) && ref.contains("/") ? ref : base + ":" + ref;
        return new SourceImage(format, name, manifest, md, config, configDigest, layers);
    }

    /** The manifest to import: the only one, or the one named, or the linux/amd64 one of an index. */
    private static JsonNode pickManifest(Path dir, JsonNode index, String wantedName, int depth) {
        if (depth > 4) throw new StoreException("index.json: image indexes nested too deep");
        List<JsonNode> ms = new ArrayList<>();
        index.path("manifests").forEach(ms::add);
        if (ms.isEmpty()) throw new StoreException("index: no manifests");
        JsonNode chosen = null;
        if (ms.size() == 1) chosen = ms.get(0);
        if (chosen == null && wantedName != null)
            for (JsonNode m : ms) {
                JsonNode a = m.path("annotations");
                if (wantedName.equals(a.path("io.containerd.image.name").asText(null))
                        || wantedName.equals(a.path("org.opencontainers.image.ref.name").asText(null))) chosen = m;
            }
        if (chosen == null)
            for (JsonNode m : ms) {
                JsonNode p = m.path("platform");
                if ("linux".equals(p.path("os").asText()) && "amd64".equals(p.path("architecture").asText())) {
                    chosen = m;
                    break;
                }
            }
        if (chosen == null) throw new StoreException("index holds " + ms.size() + " manifests: name the one to import with --name");
        String mt = chosen.path("mediaType").asText("");
        if (mt.equals(INDEX) || mt.equals(DOCKER_LIST)) {
            Digest d = Digest.parse(chosen.path("digest").asText(null), "index descriptor");
            return pickManifest(dir, json(blob(dir, d, chosen.path("size").asLong(-1), "index"), "index " + d), wantedName, depth + 1);
        }
        return chosen;
    }

    static Path blobPath(Path dir, Digest d, String what) {
        Path p = dir.resolve("blobs/sha256").resolve(d.hex());
        if (!Files.isRegularFile(p)) throw new StoreException(what + ": blob " + d + " is missing from the image");
        return p;
    }

    /** A small blob (manifest, config, index), read whole and checked against its digest and size. */
    private static byte[] blob(Path dir, Digest d, long size, String what) {
        byte[] b = read(blobPath(dir, d, what), what);
        Digest actual = Digest.of(b);
        if (!actual.equals(d)) throw new StoreException(what + ": digest mismatch: expected " + d + ", blob has " + actual);
        if (size >= 0 && size != b.length)
            throw new StoreException(what + " " + d + ": size mismatch: descriptor says " + size + ", blob has " + b.length);
        return b;
    }

    // ---- docker save ----

    private static SourceImage dockerArchive(Path dir, String wantedName) {
        JsonNode manifest = json(read(dir.resolve("manifest.json"), "manifest.json"), "manifest.json");
        if (!manifest.isArray() || manifest.isEmpty()) throw new StoreException("manifest.json: no images");
        JsonNode chosen = manifest.size() == 1 ? manifest.get(0) : null;
        if (chosen == null && wantedName != null)
            for (JsonNode m : manifest)
                for (JsonNode t : m.path("RepoTags")) if (wantedName.equals(t.asText())) chosen = m;
        if (chosen == null)
            throw new StoreException("manifest.json holds " + manifest.size() + " images: name the one to import with --name");
        String configName = chosen.path("Config").asText(null);
        if (configName == null) throw new StoreException("manifest.json: no Config");
        byte[] config = read(member(dir, configName), "config " + configName);
        Digest cd = Digest.of(config);
        Digest named = digestInName(configName);
        if (named != null && !named.equals(cd))
            throw new StoreException("config " + configName + ": digest mismatch: the name says " + named + ", the file has " + cd);
        List<SourceImage.LayerBlob> layers = new ArrayList<>();
        int i = 0;
        for (JsonNode l : chosen.path("Layers")) {
            i++;
            String name = l.asText();
            Path p = member(dir, name);
            if (!Files.isRegularFile(p)) throw new StoreException("layer " + i + ": " + name + " is missing from the archive");
            layers.add(new SourceImage.LayerBlob(p, digestInName(name), "", sizeOf(p)));
        }
        String tag = chosen.path("RepoTags").path(0).asText(null);
        return new SourceImage("docker-archive", tag, null, null, config, cd, layers);
    }

    /** Docker 25+ names members blobs/sha256/HEX; older archives HEX.json and HEX/layer.tar (a v1 id, not a digest). */
    private static Digest digestInName(String name) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(?:^|/)(?:blobs/sha256/)?([0-9a-f]{64})(\\.json)?$").matcher(name);
        if (!m.find()) return null;
        if (!name.startsWith("blobs/sha256/") && m.group(2) == null) return null;
        return new Digest(m.group(1));
    }

    private static Path member(Path dir, String name) {
        return dir.resolve(EntryNames.join(EntryNames.split(name, "manifest.json entry")));
    }

    private static long sizeOf(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return -1;
        }
    }

    // ---- helpers ----

    static byte[] read(Path p, String what) {
        try {
            if (!Files.isRegularFile(p)) throw new StoreException(what + ": missing from the image");
            if (Files.size(p) > MAX_JSON) throw new StoreException(what + ": larger than " + MAX_JSON + " bytes");
            try (InputStream in = Files.newInputStream(p)) {
                return in.readAllBytes();
            }
        } catch (IOException e) {
            throw new StoreException(what + ": " + e.getMessage(), e);
        }
    }

    static JsonNode json(byte[] b, String what) {
        try {
            JsonNode n = JSON.readTree(b);
            return Objects.requireNonNull(n, what);
        } catch (IOException | NullPointerException e) {
            throw new StoreException(what + ": not valid JSON", e);
        }
    }
}
