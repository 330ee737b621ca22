package io.strata.testimages.oracle;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** A read-only kernel overlayfs mount of layer directories (top first): the oracle for the on-disk format. */
public final class KernelOverlay implements AutoCloseable {
    private final Path mnt;

    private KernelOverlay(Path mnt) {
        this.mnt = mnt;
    }

    public static KernelOverlay mount(List<Path> lowersTopFirst, Path mnt) throws Exception {
        List<Path> lowers = new ArrayList<>(lowersTopFirst);
        if (lowers.size() == 1) lowers.add(Files.createDirectories(mnt.resolveSibling(mnt.getFileName() + "-empty"))); // overlay wants two
        StringBuilder o = new StringBuilder("ro,lowerdir=");
        for (int i = 0; i < lowers.size(); i++) o.append(i == 0 ? "" : ":").append(lowers.get(i));
        Process p = new ProcessBuilder("mount", "-t", "overlay", "overlay", "-o", o.toString(), mnt.toString())
                .redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (p.waitFor() != 0) throw new IllegalStateException("mount -t overlay failed: " + out);
        return new KernelOverlay(mnt);
    }

    @Override
    public void close() throws Exception {
        Process p = new ProcessBuilder("umount", mnt.toString()).inheritIO().start();
        if (p.waitFor() != 0) new ProcessBuilder("umount", "-l", mnt.toString()).inheritIO().start().waitFor();
    }
}
