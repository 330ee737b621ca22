package io.strata.store.tar;

import io.strata.store.StoreException;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;

/**
 * Unpacks an image archive (oci-archive, docker save) into a new directory to read it as a layout: only regular files
 * and directories are written, under checked names; symlinks between members (docker save links repeated layers) become
 * hard links when they point at a member, and are dropped otherwise. Nothing is ever followed.
 */
public final class ArchiveUnpacker {
    private ArchiveUnpacker() {
    }

    public static void unpack(Path archive, Path dest) {
        List<String[]> links = new ArrayList<>();
        try (InputStream f = new BufferedInputStream(Files.newInputStream(archive), 1 << 16);
             TarArchiveInputStream in = new TarArchiveInputStream(Decompression.sniff((BufferedInputStream) f).open(f),
                     StandardCharsets.UTF_8.name())) {
            TarArchiveEntry e;
            int n = 0;
            while ((e = in.getNextEntry()) != null) {
                n++;
                List<String> comps = EntryNames.split(e.getName(), "archive member");
                if (comps.isEmpty()) continue;
                Path p = dest.resolve(EntryNames.join(comps));
                if (e.isDirectory()) {
                    Files.createDirectories(p);
                } else if (e.isFile()) {
                    long free = Files.getFileStore(dest).getUsableSpace();
                    if (e.getSize() > free)
                        throw new StoreException(archive + ": member " + EntryNames.quote(e.getName()) + " is " + e.getSize()
                                + " bytes, more than the " + free + " bytes free in the store");
                    Files.createDirectories(p.getParent());
                    Files.copy(in, p, StandardCopyOption.REPLACE_EXISTING);
                } else if (e.isSymbolicLink()) {
                    links.add(new String[] {EntryNames.join(comps), e.getLinkName()});
                }
            }
            if (n == 0) throw new StoreException(archive + ": not an image archive (no tar members)");
        } catch (IOException e) {
            throw new StoreException(archive + ": not a readable tar archive: " + e.getMessage(), e);
        }
        for (String[] l : links) {
            Path link = dest.resolve(l[0]);
            Path target = link.getParent().resolve(l[1]).normalize();
            if (!target.startsWith(dest) || !Files.isRegularFile(target, java.nio.file.LinkOption.NOFOLLOW_LINKS)) continue;
            try {
                Files.createDirectories(link.getParent());
                Files.createLink(link, target);
            } catch (IOException e) {
                throw new StoreException(archive + ": cannot resolve member link " + l[0] + ": " + e.getMessage(), e);
            }
        }
    }
}
