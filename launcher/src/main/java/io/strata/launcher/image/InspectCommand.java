package io.strata.launcher.image;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.strata.launcher.UserError;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.store.oci.LayerRecord;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code strata image inspect IMAGE [--format json]}: config, layers (digest, size, directory), history. */
@Command(name = "inspect", description = "Show an image: config, layers, history.")
final class InspectCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or id (prefix).")
    String image;

    @Option(names = "--format", paramLabel = "text|json", description = "Output format (default: text).")
    String format = "text";

    @Override
    protected int run() throws Exception {
        ImageStore store = store();
        ImageRecord r = store.find(image);
        ObjectMapper json = new ObjectMapper();
        JsonNode config = json.readTree(store.config(r));
        ObjectNode out = json.createObjectNode();
        out.put("id", "sha256:" + r.id());
        ArrayNode names = out.putArray("names");
        r.names().forEach(names::add);
        out.put("format", r.format());
        out.put("manifestDigest", r.manifestDigest());
        out.put("configDigest", r.configDigest());
        out.put("imported", r.imported());
        out.set("created", config.path("created"));
        out.set("architecture", config.path("architecture"));
        out.set("os", config.path("os"));
        out.set("config", config.path("config"));
        ArrayNode layers = out.putArray("layers");
        List<java.nio.file.Path> dirs = store.lowerDirsTopFirst(r);
        for (int i = 0; i < r.layers().size(); i++) {
            ImageRecord.LayerRef l = r.layers().get(i);
            LayerRecord lr = store.layerRecord(l.diffId().substring(7));
            ObjectNode n = layers.addObject();
            n.put("index", i + 1);
            n.put("diffId", l.diffId());
            n.put("digest", l.digest());
            n.put("mediaType", l.mediaType());
            n.put("size", l.size());
            n.put("entries", lr.entries());
            n.put("bytes", lr.bytes());
            n.put("dir", dirs.get(dirs.size() - 1 - i).toString());
        }
        out.set("history", config.path("history"));
        switch (format) {
            case "json" -> System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(out));
            case "text" -> text(out);
            default -> throw new UserError("--format takes text or json, not " + format);
        }
        return 0;
    }

    private static void text(ObjectNode o) {
        System.out.println("Id:           " + o.path("id").asText());
        System.out.println("Names:        " + (o.path("names").isEmpty() ? "<none>" : join(o.path("names"))));
        System.out.println("Format:       " + o.path("format").asText());
        if (!o.path("manifestDigest").isNull()) System.out.println("Manifest:     " + o.path("manifestDigest").asText());
        System.out.println("Created:      " + o.path("created").asText("?"));
        System.out.println("Platform:     " + o.path("os").asText("?") + "/" + o.path("architecture").asText("?"));
        JsonNode c = o.path("config");
        if (c.has("Entrypoint")) System.out.println("Entrypoint:   " + join(c.path("Entrypoint")));
        if (c.has("Cmd")) System.out.println("Cmd:          " + join(c.path("Cmd")));
        if (c.has("Env")) System.out.println("Env:          " + join(c.path("Env")));
        if (c.has("WorkingDir")) System.out.println("WorkingDir:   " + c.path("WorkingDir").asText());
        System.out.println("Layers (bottom first):");
        for (JsonNode l : o.path("layers"))
            System.out.printf("  %d  %s  %s  %d entries, %s extracted%n     blob %s (%s, %s)%n", l.path("index").asInt(),
                    l.path("diffId").asText(), l.path("dir").asText(), l.path("entries").asLong(),
                    ImportProgress.human(l.path("bytes").asLong()), l.path("digest").isNull() ? "-" : l.path("digest").asText(),
                    l.path("mediaType").asText().isEmpty() ? "no media type" : l.path("mediaType").asText(),
                    ImportProgress.human(l.path("size").asLong()));
        System.out.println("History:");
        for (JsonNode h : o.path("history"))
            System.out.println("  " + h.path("created").asText("") + "  " + h.path("created_by").asText("")
                    + (h.path("empty_layer").asBoolean(false) ? "  (no layer)" : ""));
    }

    private static String join(JsonNode array) {
        StringBuilder b = new StringBuilder();
        for (JsonNode n : array) b.append(b.length() == 0 ? "" : " ").append(n.asText());
        return b.toString();
    }
}
