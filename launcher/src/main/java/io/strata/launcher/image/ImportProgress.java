package io.strata.launcher.image;

import io.strata.store.oci.ImageImporter;
import io.strata.store.oci.LayerRecord;
import me.tongfei.progressbar.ConsoleProgressBarConsumer;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;

import java.io.PrintStream;

/** Import progress: a bar per layer on a terminal (me.tongfei progressbar: bytes, speed, ETA), plain lines otherwise. */
final class ImportProgress implements ImageImporter.Progress {
    private final PrintStream out;
    private final boolean terminal;
    private ProgressBar bar;
    private String layer = "";

    ImportProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void layer(int i, int n, String diffId, long blobSize, boolean alreadyStored) {
        layer = diffId.substring(7, 19) + (alreadyStored ? " (stored: verify)" : "");
        if (terminal) {
            bar = new ProgressBarBuilder().setTaskName("layer " + i + "/" + n + " " + layer).setInitialMax(Math.max(blobSize, 0))
                    .setUnit("MiB", 1 << 20).showSpeed().setStyle(ProgressBarStyle.ASCII)
                    .setConsumer(new ConsoleProgressBarConsumer(out)).build();
        }
    }

    @Override
    public void bytes(long n) {
        if (bar != null) bar.stepBy(n);
    }

    @Override
    public void layerDone(int i, int n, LayerRecord l) {
        if (bar != null) {
            bar.stepTo(bar.getMax());
            bar.close();
            bar = null;
        } else {
            out.printf("layer %d/%d %s: %d entries, %s%n", i, n, layer, l.entries(), human(l.bytes()));
        }
    }

    void finish() {
        if (bar != null) bar.close();
        out.flush();
    }

    static String human(long b) {
        if (b < 1024) return b + " B";
        String[] u = {"KiB", "MiB", "GiB", "TiB"};
        double v = b;
        int i = -1;
        while (v >= 1024 && i < u.length - 1) {
            v /= 1024;
            i++;
        }
        return String.format("%.1f %s", v, u[i]);
    }
}
