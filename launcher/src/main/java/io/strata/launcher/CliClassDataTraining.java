package io.strata.launcher;

import io.strata.store.daemon.StoreClient;
import io.strata.store.daemon.StoreRoot;
import io.strata.store.oci.ImageImporter;
import io.strata.store.oci.ImageStore;
import io.strata.testimages.ImageFormat;
import io.strata.testimages.TestImages;
import picocli.CommandLine;

import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * The training run behind the {@code ./strata} wrapper's class-data archive (as {@link ClassDataTraining} is for
 * bin/strata-overlay): run once per jar with {@code -XX:ArchiveClassesAtExit}, it loads what a CLI command loads —
 * every command's picocli model and help, the image store with JSON and tar (an import of the small test image into
 * a temp store), the daemon client — so that later commands start from parsed and verified classes. No daemon is
 * started and nothing outside a temp dir is written.
 */
final class CliClassDataTraining {
    static final String OPTION = "--train-cli-class-data";

    private CliClassDataTraining() {
    }

    static int run() {
        Path dir = null;
        PrintStream out = System.out;
        try {
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            dir = Files.createTempDirectory("strata-cli-training-");
            CommandLine cl = new CommandLine(new Main());
            PrintWriter sink = new PrintWriter(OutputStream.nullOutputStream());
            for (CommandLine sub : cl.getSubcommands().values()) {
                sub.usage(sink);
                for (CommandLine subsub : sub.getSubcommands().values()) subsub.usage(sink);
            }
            Main.run("--version");
            for (String c : new String[] {"run", "exec"}) cl.getSubcommands().get(c).setStopAtPositional(true);
            cl.parseArgs("run", "--rm", "-e", "A=B", "-m", "64m", "--cpus", "0.5", "image", "true"); // parsed, not run
            Path archive = dir.resolve("image.tar");
            ImageFormat.DOCKER_ARCHIVE.write(TestImages.threeLayers(), archive);
            ImageStore store = new ImageStore(dir.resolve("store"));
            ImageImporter.run(store, archive, "training:1", false, ImageImporter.Progress.NONE);
            store.list();
            new StoreClient(StoreRoot.resolve(dir.resolve("store"))).reachable();
            return 0;
        } catch (Exception e) {
            System.err.println("strata: class-data training failed: " + e);
            return 1;
        } finally {
            System.setOut(out);
            if (dir != null) {
                try (Stream<Path> s = Files.walk(dir)) {
                    s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                } catch (Exception e) {
                    // a temp dir left behind is harmless
                }
            }
        }
    }
}
