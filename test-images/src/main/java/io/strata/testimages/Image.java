package io.strata.testimages;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * An image: a reference ({@code NAME:TAG}) and its layers, bottom first. The config and manifest are derived from the
 * layers' claimed digests; JSON is written compactly with keys in a fixed order, so the same layers give the same
 * config and manifest digests.
 */
public record Image(String reference, List<Layer> layers, List<String> history) {
    static final ObjectMapper JSON = new ObjectMapper();
    public static final String CREATED = "2023-11-14T22:13:20Z";
    public static final String MANIFEST_TYPE = "application/vnd.oci.image.manifest.v1+json";
    public static final String CONFIG_TYPE = "application/vnd.oci.image.config.v1+json";
    public static final String INDEX_TYPE = "application/vnd.oci.image.index.v1+json";

    public Image {
        if (history.size() != layers.size()) throw new IllegalArgumentException("one history line per layer");
        layers = List.copyOf(layers);
        history = List.copyOf(history);
    }

    public Image withCompression(Compression c) {
        return new Image(reference, layers.stream().map(l -> l.recompressed(c)).toList(), history);
    }

    public Image withLayers(List<Layer> other) {
        return new Image(reference, other, history);
    }

    public String repository() {
        int colon = reference.lastIndexOf(':');
        return colon > reference.lastIndexOf('/') ? reference.substring(0, colon) : reference;
    }

    public String tag() {
        int colon = reference.lastIndexOf(':');
        return colon > reference.lastIndexOf('/') ? reference.substring(colon + 1) : "latest";
    }

    public byte[] config() {
        ObjectNode c = JSON.createObjectNode();
        c.put("created", CREATED);
        c.put("architecture", "amd64");
        c.put("os", "linux");
        ObjectNode cfg = c.putObject("config");
        cfg.putArray("Env").add("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        cfg.putArray("Cmd").add("/bin/sh");
        ObjectNode rootfs = c.putObject("rootfs");
        rootfs.put("type", "layers");
        ArrayNode ids = rootfs.putArray("diff_ids");
        for (Layer l : layers) ids.add(l.diffId());
        ArrayNode h = c.putArray("history");
        for (String line : history) {
            ObjectNode e = h.addObject();
            e.put("created", CREATED);
            e.put("created_by", line);
        }
        return bytes(c);
    }

    public String configDigest() {
        return Digests.sha256(config());
    }

    public byte[] manifest() {
        ObjectNode m = JSON.createObjectNode();
        m.put("schemaVersion", 2);
        m.put("mediaType", MANIFEST_TYPE);
        ObjectNode cfg = m.putObject("config");
        cfg.put("mediaType", CONFIG_TYPE);
        byte[] config = config();
        cfg.put("digest", Digests.sha256(config));
        cfg.put("size", config.length);
        ArrayNode ls = m.putArray("layers");
        for (Layer l : layers) {
            ObjectNode d = ls.addObject();
            d.put("mediaType", l.compression().layerMediaType());
            d.put("digest", l.digest());
            d.put("size", l.blob().length);
        }
        return bytes(m);
    }

    public String manifestDigest() {
        return Digests.sha256(manifest());
    }

    static byte[] bytes(Object node) {
        try {
            return JSON.writeValueAsString(node).getBytes(StandardCharsets.UTF_8);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
