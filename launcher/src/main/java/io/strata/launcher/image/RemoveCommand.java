package io.strata.launcher.image;

import io.strata.store.oci.ImageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.List;

/** {@code strata image rm IMAGE...}: untags; deletes an image with its last name; frees layers nothing uses. */
@Command(name = "rm", aliases = "remove", description = "Remove images (layers are freed when no image uses them).")
final class RemoveCommand extends ImageStoreCommand {
    @Parameters(arity = "1..*", paramLabel = "IMAGE", description = "NAME[:TAG] or id (prefix).")
    List<String> images;

    @Override
    protected int run() {
        ImageStore store = store();
        for (String ref : images) {
            ImageStore.Removal r = store.remove(ref);
            r.untagged().forEach(n -> System.out.println("untagged: " + n));
            if (r.deletedImage() != null) System.out.println("deleted: sha256:" + r.deletedImage());
            r.deletedLayers().forEach(l -> System.out.println("deleted layer: " + l));
        }
        return 0;
    }
}
