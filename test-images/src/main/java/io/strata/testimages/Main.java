package io.strata.testimages;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Writes every test image in every format and compression into a directory, for people and external tools
 * ({@code java -cp ... io.strata.testimages.Main DIR [NAME]}): DIR/NAME-COMPRESSION[.oci.tar|.docker.tar],
 * DIR/hostile/...; with NAME (e.g. three-layers), only that image.
 */
public final class Main {
    private Main() {
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/images");
        String only = args.length > 1 ? args[1] : null;
        Files.createDirectories(out);
        for (Image image : TestImages.all()) {
            String base = image.repository().substring(image.repository().lastIndexOf('/') + 1);
            if (only != null && !only.equals(base)) continue;
            for (Compression c : Compression.values())
                for (ImageFormat f : ImageFormat.values())
                    f.write(image.withCompression(c), out.resolve(f.fileName(base + "-" + c.name().toLowerCase())));
        }
        if (only == null) {
            Files.createDirectories(out.resolve("hostile"));
            for (HostileImages.Case c : HostileImages.all())
                for (ImageFormat f : ImageFormat.values()) f.write(c.image(), out.resolve("hostile").resolve(f.fileName(c.id())));
        }
        System.out.println("wrote test images to " + out.toAbsolutePath());
    }
}
