package io.strata.launcher.image;

import io.strata.launcher.UserError;
import io.strata.store.oci.ImageExporter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.nio.file.Path;
import java.util.Locale;

/** {@code strata image export IMAGE PATH --format oci|docker}: an OCI layout (or oci-archive for *.tar), a docker-save tar. */
@Command(name = "export", description = "Write an image as an OCI layout (PATH dir), oci-archive (PATH.tar) or docker-save archive.")
final class ExportCommand extends ImageStoreCommand {
    @Parameters(index = "0", paramLabel = "IMAGE", description = "NAME[:TAG] or id (prefix).")
    String image;

    @Parameters(index = "1", paramLabel = "PATH", description = "Must not exist: a directory for oci, a tar when it ends in .tar.")
    Path target;

    @Option(names = "--format", paramLabel = "oci|docker", description = "Default: oci.")
    String format = "oci";

    @Option(names = "--compression", paramLabel = "keep|gzip|zstd|none",
            description = "Layer compression for oci. Default keep: each layer as the blob it was imported in (digests unchanged), gzip for committed layers. Docker archives hold plain tars.")
    String compression = "keep";

    @Override
    protected int run() {
        ImageExporter.Format f;
        ImageExporter.LayerCompression c;
        try {
            f = ImageExporter.Format.valueOf(format.toUpperCase(Locale.ROOT));
            c = ImageExporter.LayerCompression.valueOf(compression.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new UserError("--format takes oci or docker, --compression keep, gzip, zstd or none");
        }
        ImageExporter.Exported e = ImageExporter.export(store(), image, target, f, c);
        System.out.println("exported " + e.path() + (e.manifestDigest() != null ? " manifest " + e.manifestDigest() : "")
                + " config " + e.configDigest());
        return 0;
    }
}
