/**
 * The second FUSE adapter: libfuse 3's low-level API (libfuse3.so.3, 3.14 headers) bound with jnr-ffi, over the same
 * {@link io.strata.core.union.UnionFs}. The default adapter ({@code -Dstrata.fuse.api=ll}; {@code hl} selects jnr-fuse's libfuse 2 one: FuseMount).
 *
 * <ul>
 * <li>{@link io.strata.fuse.ll.LibFuse3}: the native functions; {@link io.strata.fuse.ll.Layout}: the C struct
 * layouts (stat, fuse_entry_param, fuse_file_info, fuse_conn_info, statvfs, fuse_buf), checked with offsetof.</li>
 * <li>{@link io.strata.fuse.ll.Callbacks} and {@link io.strata.fuse.ll.OpsTable}: struct fuse_lowlevel_ops as jnr
 * closures.</li>
 * <li>{@link io.strata.fuse.ll.Nodes}: node id → union object, keyed by the union st_ino (all names of a hard-linked
 * file are one kernel inode), names as (parent node, name) links so paths follow renamed directories; lookup
 * counts as the kernel keeps them.</li>
 * <li>{@link io.strata.fuse.ll.LowLevelOps}: the requests and their replies (readdirplus, renameat2 flags).</li>
 * <li>{@link io.strata.fuse.ll.Session}: fuse_session_new/mount, the request loop on Java worker threads, unmount;
 * {@link io.strata.fuse.ll.LowLevelMount}: the entry point; {@link io.strata.fuse.ll.LlConfig}: options and
 * tunables.</li>
 * </ul>
 *
 * <p>Kernel caches: every change of the union goes through the mount, so entries, attributes and negative entries are
 * cached long (a day; -o entry_timeout= etc. override) and directory listings are kept (cache_readdir). The kernel
 * itself drops what a request made stale: after create/mknod/mkdir/symlink/link/unlink/rmdir/rename the parent's
 * attributes and listing (fuse_dir_changed), the removed or replaced dentry, the nlink and ctime of the inode — which
 * all names of a file share here; setattr and entry replies carry fresh attributes. So no inval notifications are
 * sent (they would also have to come from outside the request that holds the directory lock).
 */
package io.strata.fuse.ll;
