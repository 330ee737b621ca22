package io.strata.launcher.image;

import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import io.strata.store.oci.PathOrigins;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** {@code strata image which IMAGE PATH...}: which layer provides each path, and what it hides or deleted. */
@Command(name = "which", description = "Tell which layer provides each path, and which layers it shadows or deleted it in.")
final class WhichCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or id (prefix).")
    String image;

    @Parameters(index = "1..*", arity = "1..*", paramLabel = "PATH", description = "Paths inside the image.")
    List<String> paths;

    @Override
    protected int run() {
        ImageStore store = store();
        ImageRecord r = store.find(image);
        List<String> ids = new ArrayList<>(r.layers().stream().map(ImageRecord.LayerRef::diffId).toList());
        Collections.reverse(ids);
        int missing = 0;
        for (String p : paths) {
            PathOrigins.Origin o = PathOrigins.of(p, store.lowerDirsTopFirst(r), ids);
            System.out.println(o.describe());
            if (o.providedBy() == 0) missing++;
        }
        return missing == 0 ? 0 : 1;
    }
}
