package io.strata.testimages;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;

/**
 * The three ways an image travels: an OCI image layout directory, the same layout as a tar ({@code oci-archive}), and
 * {@code docker save}'s archive (manifest.json, {@code <config hex>.json}, {@code <diff_id hex>/layer.tar}). Archives
 * are written deterministically: members sorted by name, fixed mtime and owners.
 */
public enum ImageFormat {
    OCI_LAYOUT, OCI_ARCHIVE, DOCKER_ARCHIVE;

    /** Writes the image at {@code target}: a new directory for the layout, a file for the archives. */
    public void write(Image image, Path target) throws IOException {
        Map<String, byte[]> files = switch (this) {
            case OCI_LAYOUT, OCI_ARCHIVE -> ociFiles(image);
            case DOCKER_ARCHIVE -> dockerFiles(image);
        };
        if (this == OCI_LAYOUT) {
            Files.createDirectories(target);
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                Path p = target.resolve(f.getKey());
                Files.createDirectories(p.getParent());
                Files.write(p, f.getValue());
            }
        } else {
            try (OutputStream out = Files.newOutputStream(target)) {
                out.write(tar(files));
            }
        }
    }

    /** The file name a test would give this format's output. */
    public String fileName(String base) {
        return switch (this) {
            case OCI_LAYOUT -> base;
            case OCI_ARCHIVE -> base + ".oci.tar";
            case DOCKER_ARCHIVE -> base + ".docker.tar";
        };
    }

    static Map<String, byte[]> ociFiles(Image image) {
        Map<String, byte[]> files = new TreeMap<>();
        files.put("oci-layout", "{\"imageLayoutVersion\":\"1.0.0\"}".getBytes(StandardCharsets.UTF_8));
        byte[] manifest = image.manifest(), config = image.config();
        ObjectNode index = Image.JSON.createObjectNode();
        index.put("schemaVersion", 2);
        index.put("mediaType", Image.INDEX_TYPE);
        ObjectNode d = index.putArray("manifests").addObject();
        d.put("mediaType", Image.MANIFEST_TYPE);
        d.put("digest", Digests.sha256(manifest));
        d.put("size", manifest.length);
        ObjectNode ann = d.putObject("annotations");
        ann.put("io.containerd.image.name", image.reference());
        ann.put("org.opencontainers.image.ref.name", image.tag());
        files.put("index.json", Image.bytes(index));
        files.put(blob(Digests.sha256(manifest)), manifest);
        files.put(blob(Digests.sha256(config)), config);
        for (Layer l : image.layers()) if (l.present()) files.put(blob(l.digest()), l.blob());
        return files;
    }

    private static String blob(String digest) {
        return "blobs/sha256/" + Digests.hex(digest);
    }

    static Map<String, byte[]> dockerFiles(Image image) {
        Map<String, byte[]> files = new TreeMap<>();
        byte[] config = image.config();
        String configName = Digests.hex(Digests.sha256(config)) + ".json";
        files.put(configName, config);
        ObjectNode m = Image.JSON.createObjectNode();
        m.put("Config", configName);
        m.putArray("RepoTags").add(image.repository() + ":" + image.tag());
        ArrayNode layers = m.putArray("Layers");
        for (Layer l : image.layers()) {
            String name = Digests.hex(l.diffId()) + "/layer.tar";
            layers.add(name);
            if (l.present()) files.put(name, l.blob());
        }
        ArrayNode manifest = Image.JSON.createArrayNode();
        manifest.add(m);
        files.put("manifest.json", Image.bytes(manifest));
        ObjectNode repos = Image.JSON.createObjectNode();
        if (!image.layers().isEmpty())
            repos.putObject(image.repository()).put(image.tag(), Digests.hex(image.layers().get(image.layers().size() - 1).diffId()));
        files.put("repositories", Image.bytes(repos));
        return files;
    }

    static byte[] tar(Map<String, byte[]> files) throws IOException {
        java.io.ByteArrayOutputStream b = new java.io.ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(b, StandardCharsets.UTF_8.name())) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            out.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            java.util.Set<String> dirs = new java.util.TreeSet<>();
            for (String name : files.keySet())
                for (int i = name.indexOf('/'); i > 0; i = name.indexOf('/', i + 1)) dirs.add(name.substring(0, i + 1));
            Map<String, byte[]> all = new TreeMap<>(files);
            for (String dir : dirs) all.put(dir, null);
            for (Map.Entry<String, byte[]> f : all.entrySet()) {
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setModTime(FileTime.from(TarBuilder.MTIME, TimeUnit.SECONDS));
                e.setIds(0, 0);
                e.setUserName("");
                e.setGroupName("");
                e.setMode(f.getValue() == null ? 0755 : 0644);
                if (f.getValue() != null) e.setSize(f.getValue().length);
                out.putArchiveEntry(e);
                if (f.getValue() != null) out.write(f.getValue());
                out.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }
}
