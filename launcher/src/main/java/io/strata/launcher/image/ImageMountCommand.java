package io.strata.launcher.image;

import io.strata.launcher.UnionMounts;
import io.strata.store.oci.ImageRecord;
import io.strata.store.oci.ImageStore;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;

/** {@code strata image mount IMAGE MOUNTPOINT}: the image's merged tree, read-only, through Strata's union. */
@Command(name = "mount", description = "Mount an image read-only (strata umount MOUNTPOINT to unmount).")
final class ImageMountCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or id (prefix).")
    String image;

    @Parameters(index = "1", paramLabel = "MOUNTPOINT")
    Path mountPoint;

    @Option(names = "-f", description = "Stay in the foreground.")
    boolean foreground;

    @Override
    protected int run() throws Exception {
        ImageStore store = store();
        ImageRecord r = store.find(image);
        String source = "strata-image:" + (r.names().isEmpty() ? r.shortId() : r.names().get(0));
        return UnionMounts.mountReadOnly(store.lowerDirsTopFirst(r), mountPoint, foreground, source);
    }
}
