package io.strata.launcher.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

import java.util.List;

/** {@code strata image ls}: one line per image name (an unnamed image shows once as &lt;none&gt;). */
@Command(name = "ls", aliases = "list", description = "List the images of the store.")
final class ListCommand extends ImageStoreCommand {
    @Option(names = "--format", paramLabel = "table|json", description = "Output format (default: table).")
    String format = "table";

    @Option(names = {"-q", "--quiet"}, description = "Only image ids.")
    boolean quiet;

    @Override
    protected int run() throws Exception {
        ImageStore store = store();
        List<ImageRecord> images = store.list();
        if (format.equals("json")) {
            ObjectMapper json = new ObjectMapper();
            ArrayNode a = json.createArrayNode();
            for (ImageRecord r : images) a.add(json.valueToTree(r));
            System.out.println(json.writerWithDefaultPrettyPrinter().writeValueAsString(a));
            return 0;
        }
        if (!format.equals("table")) throw new io.strata.launcher.UserError("--format takes table or json, not " + format);
        if (quiet) {
            images.forEach(r -> System.out.println("sha256:" + r.id()));
            return 0;
        }
        System.out.printf("%-40s %-12s %6s %10s  %s%n", "NAME", "ID", "LAYERS", "SIZE", "IMPORTED");
        for (ImageRecord r : images) {
            long size = 0;
            for (ImageRecord.LayerRef l : r.layers()) size += store.layerRecord(l.diffId().substring(7)).bytes();
            for (String name : r.names().isEmpty() ? List.of("<none>") : r.names())
                System.out.printf("%-40s %-12s %6d %10s  %s%n", name, r.shortId(), r.layers().size(), ImportProgress.human(size), r.imported());
        }
        return 0;
    }
}
