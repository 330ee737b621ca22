package io.strata.launcher.image;

import io.strata.store.oci.ImageImporter;
import io.strata.store.oci.LayerRecord;

import java.io.PrintStream;

/** Import progress: a bar redrawn in place on a terminal (layers, bytes), one line per layer otherwise. */
final class ImportProgress implements ImageImporter.Progress {
    private final PrintStream out;
    private final boolean terminal;
    private int index, count;
    private String layer = "";
    private long size, done, lastDraw;

    ImportProgress(PrintStream out, boolean terminal) {
        this.out = out;
        this.terminal = terminal;
    }

    @Override
    public void layer(int i, int n, String diffId, long blobSize, boolean alreadyStored) {
        index = i;
        count = n;
        layer = diffId.substring(7, 19) + (alreadyStored ? " (already stored: verifying)" : "");
        size = blobSize;
        done = 0;
        draw(true);
    }

    @Override
    public void bytes(long n) {
        done += n;
        draw(false);
    }

    @Override
    public void layerDone(int i, int n, LayerRecord l) {
        if (terminal) {
            done = size;
            draw(true);
            out.println();
        } else {
            out.printf("layer %d/%d %s: %d entries, %s%n", i, n, layer, l.entries(), human(l.bytes()));
        }
    }

    void finish() {
        out.flush();
    }

    private void draw(boolean force) {
        if (!terminal) return;
        long now = System.nanoTime();
        if (!force && now - lastDraw < 100_000_000L) return;
        lastDraw = now;
        int width = 30;
        int filled = size > 0 ? (int) Math.min(width, done * width / size) : width;
        out.printf("\rlayer %d/%d %s [%s%s] %s / %s", index, count, layer, "=".repeat(filled), " ".repeat(width - filled),
                human(done), human(Math.max(size, 0)));
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
