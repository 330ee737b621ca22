package io.strata.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The store targets' writers keep every block tagged with its offset, so the checked reads still pass after them. */
class FileOpsTest {
    @Test
    void overwriteTagsEveryBlockAndLeavesTheRest(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("f");
        Files.createFile(f);
        FileOps.overwrite(f, 3L << 20, 0);
        FileOps.overwrite(f, 1L << 20, 7);
        assertEquals(3L << 20, Files.size(f)); // in place, not truncated
        assertEquals(7, FileOps.generationAt0(f));
        FileOps.randomRead(f, 3L << 20, 2000, 1, 1); // every block begins with its offset
    }

    @Test
    void rewrittenPagesKeepTheirOffsets(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("f");
        LowerTrees.offsetTagged(f, 4L << 20);
        byte[] before = Files.readAllBytes(f);
        FileOps.rewritePages(f, 4L << 20, 256, 4, 1);
        byte[] after = Files.readAllBytes(f);
        int changed = 0;
        for (int b = 0; b < before.length; b += LowerTrees.BLOCK)
            if (!java.util.Arrays.equals(before, b, b + LowerTrees.BLOCK, after, b, b + LowerTrees.BLOCK)) changed++;
        assertEquals(true, changed > 150 && changed <= 256, "pages changed: " + changed);
        FileOps.randomRead(f, 4L << 20, 2000, 1, 1);
    }

    @Test
    void generationAt0RefusesAnUntaggedFile(@TempDir Path dir) throws Exception {
        Path f = dir.resolve("f");
        Files.write(f, new byte[]{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16});
        assertThrows(IOException.class, () -> FileOps.generationAt0(f));
    }
}
