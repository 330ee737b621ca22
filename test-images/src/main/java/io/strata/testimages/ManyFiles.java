package io.strata.testimages;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * A large image for import timings: {@code java ... io.strata.testimages.ManyFiles DIR [FILES]} writes an OCI layout
 * (gzip layers) of a busybox base plus three layers that together hold FILES (default 50,000) small files in
 * 100 files per directory, with some overwrites and whiteouts in the upper layers. Deterministic (fixed seed).
 */
public final class ManyFiles {
    private ManyFiles() {
    }

    public static Image image(int files) {
        SplittableRandom rnd = new SplittableRandom(42);
        List<Layer> layers = new ArrayList<>();
        List<String> history = new ArrayList<>();
        layers.add(Layer.of(Busybox.base(new TarBuilder()).build(), Compression.GZIP));
        history.add("busybox base");
        int perLayer = files / 3;
        for (int l = 0; l < 3; l++) {
            TarBuilder t = new TarBuilder().dir("data");
            int n = l == 2 ? files - 2 * perLayer : perLayer;
            for (int i = 0; i < n; i++) {
                int id = l * perLayer + i;
                if (id % 100 == 0) t.dir(String.format("data/d%04d", id / 100));
                byte[] content = new byte[rnd.nextInt(4096)];
                rnd.nextBytes(content);
                t.file(String.format("data/d%04d/f%06d", id / 100, id), content, 0644);
            }
            if (l > 0) for (int i = 0; i < 50; i++) t.whiteout(String.format("data/d%04d", i), String.format("f%06d", i * 100 + 1));
            layers.add(Layer.of(t.build(), Compression.GZIP));
            history.add("files, layer " + (l + 1));
        }
        return new Image("strata-test/many-files:1", layers, history);
    }

    public static void main(String[] args) throws Exception {
        Path out = Path.of(args.length > 0 ? args[0] : "target/many-files");
        int files = args.length > 1 ? Integer.parseInt(args[1]) : 50_000;
        ImageFormat.OCI_LAYOUT.write(image(files), out);
        System.out.println("wrote " + files + " files' image to " + out.toAbsolutePath());
    }
}
