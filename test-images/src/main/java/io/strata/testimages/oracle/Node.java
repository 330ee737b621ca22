package io.strata.testimages.oracle;

import java.util.Map;

/**
 * One object of a merged image tree, as a user sees it: type ('d' 'f' 'l' 'p' 'c'), permission bits, owner, size,
 * a CRC32 of the content (files), the target (symlinks), user.* xattrs and the mtime (not for directories, whose
 * time a union may take from another layer).
 */
public record Node(char type, int perms, int uid, int gid, long size, long crc, String link, Map<String, String> xattrs,
                   long mtime) {
}
