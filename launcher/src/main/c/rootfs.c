/* The container's filesystem view, in the child, inside its own mount namespace, in runc's order:
 * propagation of / → the rootfs bound onto itself → mounts[] → /dev nodes and links → pivot_root and the old root
 * detached → the pty (with process.terminal) → read-only paths → masked paths → read-only root.
 * Every mount is made inside the private namespace: when the child dies, they all go with it, nothing to undo.
 * Before pivot_root, destinations are resolved inside the rootfs with openat2(RESOLVE_IN_ROOT), so a symlink in
 * the image cannot send a mount to the host; mounts then target the opened fd through /proc/self/fd. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <termios.h>
#include <unistd.h>

static int root_fd = -1;       /* O_PATH of the rootfs (after it is bound onto itself) */

struct fd_path {
    char s[32];
};

static struct fd_path fd_path(int fd) {
    struct fd_path p;
    snprintf(p.s, sizeof p.s, "/proc/self/fd/%d", fd);
    return p;
}

static int open_in_root(const char *path, int flags) {
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC), .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS};
    return (int)syscall(SYS_openat2, root_fd, path, &how, sizeof how);
}

/* Opens path inside the rootfs (O_PATH), creating what is missing: directories, and the last component as an
 * empty file when as_file (a bind mount of a file needs a file to land on). */
static int ensure_in_root(const char *path, bool as_file) {
    int fd = open_in_root(path, O_PATH);
    if (fd >= 0 || errno != ENOENT) return fd;
    char *parent = nx_strdup(path);
    size_t n = strlen(parent);
    while (n > 1 && parent[n - 1] == '/') parent[--n] = 0;
    char *slash = strrchr(parent, '/');
    char *name = nx_strdup(slash + 1);
    slash[slash == parent ? 1 : 0] = 0;
    int dir = ensure_in_root(parent, false);
    free(parent);
    if (dir < 0) return -1;
    int r;
    if (as_file) {
        r = openat(dir, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0644);
        if (r >= 0) close(r);
    } else {
        r = mkdirat(dir, name, 0755);
    }
    int saved = errno;
    close(dir);
    free(name);
    if (r < 0 && saved != EEXIST) {
        errno = saved;
        return -1;
    }
    return open_in_root(path, O_PATH);
}

/* Per-mount flags a bind remount may change; the rest of a mount's flags belong to its superblock. */
#define NX_PER_MOUNT_FLAGS (MS_RDONLY | MS_NOSUID | MS_NODEV | MS_NOEXEC | MS_NOATIME | MS_NODIRATIME | MS_RELATIME \
                            | MS_STRICTATIME)

struct mount_options {
    unsigned long flags, propagation;
    char *data;
};

static struct mount_options parse_options(const struct nx_strings *options) {
    static const struct { const char *name; bool clear; unsigned long flag; } names[] = {
        {"ro", 0, MS_RDONLY}, {"rw", 1, MS_RDONLY}, {"nosuid", 0, MS_NOSUID}, {"suid", 1, MS_NOSUID},
        {"nodev", 0, MS_NODEV}, {"dev", 1, MS_NODEV}, {"noexec", 0, MS_NOEXEC}, {"exec", 1, MS_NOEXEC},
        {"sync", 0, MS_SYNCHRONOUS}, {"async", 1, MS_SYNCHRONOUS}, {"dirsync", 0, MS_DIRSYNC},
        {"remount", 0, MS_REMOUNT}, {"mand", 0, MS_MANDLOCK}, {"nomand", 1, MS_MANDLOCK},
        {"atime", 1, MS_NOATIME}, {"noatime", 0, MS_NOATIME}, {"diratime", 1, MS_NODIRATIME},
        {"nodiratime", 0, MS_NODIRATIME}, {"relatime", 0, MS_RELATIME}, {"norelatime", 1, MS_RELATIME},
        {"strictatime", 0, MS_STRICTATIME}, {"nostrictatime", 1, MS_STRICTATIME}, {"bind", 0, MS_BIND},
        {"rbind", 0, MS_BIND | MS_REC}, {"defaults", 0, 0},
    };
    struct mount_options o = {0, 0, nx_alloc(1)};
    size_t data_len = 0;
    for (size_t i = 0; i < options->n; i++) {
        const char *opt = options->v[i];
        unsigned long propagation = nx_propagation_flags(opt);
        bool known = false;
        for (size_t k = 0; k < sizeof names / sizeof *names && !known; k++) {
            if (strcmp(names[k].name, opt) != 0) continue;
            known = true;
            if (names[k].clear) o.flags &= ~names[k].flag;
            else o.flags |= names[k].flag;
        }
        if (propagation) o.propagation = propagation;
        else if (!known) { /* everything else goes to the filesystem: mode=, size=, newinstance, gid=, ... */
            size_t n = strlen(opt);
            o.data = realloc(o.data, data_len + n + 2);
            if (!o.data) nx_die_errno("allocate");
            if (data_len) o.data[data_len++] = ',';
            memcpy(o.data + data_len, opt, n + 1);
            data_len += n;
        }
    }
    return o;
}

static unsigned long locked_flags(int fd) {
    struct statvfs s;
    unsigned long f = 0;
    if (fstatvfs(fd, &s) < 0) return 0;
    if (s.f_flag & ST_RDONLY) f |= MS_RDONLY;
    if (s.f_flag & ST_NOSUID) f |= MS_NOSUID;
    if (s.f_flag & ST_NODEV) f |= MS_NODEV;
    if (s.f_flag & ST_NOEXEC) f |= MS_NOEXEC;
    if (s.f_flag & ST_NOATIME) f |= MS_NOATIME;
    if (s.f_flag & ST_NODIRATIME) f |= MS_NODIRATIME;
    if (s.f_flag & ST_RELATIME) f |= MS_RELATIME;
    return f;
}

/* A bind remount with the per-mount flags; in a user namespace the flags the host mount has are locked and must be
 * repeated (EPERM otherwise), as runc does. target: a path in the current root, or /proc/self/fd/N. */
static int remount_bind(const char *target, int fd, unsigned long flags) {
    flags = (flags & NX_PER_MOUNT_FLAGS) | MS_BIND | MS_REMOUNT;
    if (mount(NULL, target, NULL, flags, NULL) == 0) return 0;
    if (errno != EPERM) return -1;
    return mount(NULL, target, NULL, flags | locked_flags(fd), NULL);
}

/* Read-only, keeping the mount's other flags (nosuid, nodev, noexec, atime). */
static void make_readonly(const char *path) {
    int fd = open(path, O_PATH | O_CLOEXEC);
    if (fd < 0 || remount_bind(path, fd, locked_flags(fd) | MS_RDONLY) < 0) nx_die_errno("remount %s read-only", path);
    close(fd);
}

static void remount_in_root(const char *dest, unsigned long flags) {
    int fd = open_in_root(dest, O_PATH);
    if (fd < 0 || remount_bind(fd_path(fd).s, fd, flags) < 0) nx_die_errno("remount %s", dest);
    close(fd);
}

static void set_propagation(const char *dest, unsigned long propagation) {
    if (!propagation) return;
    int fd = open_in_root(dest, O_PATH);
    if (fd < 0 || mount(NULL, fd_path(fd).s, NULL, propagation, NULL) < 0) nx_die_errno("propagation of %s", dest);
    close(fd);
}

static char *source_path(const struct nx_config *c, const char *source) {
    return source[0] == '/' ? nx_strdup(source) : nx_path_join(c->bundle, source);
}

static void bind_into_root(const char *source, const char *dest, unsigned long flags) {
    struct stat st;
    if (stat(source, &st) < 0) nx_die_errno("bind source %s", source);
    int fd = ensure_in_root(dest, !S_ISDIR(st.st_mode));
    if (fd < 0) nx_die_errno("mount point %s", dest);
    if (mount(source, fd_path(fd).s, NULL, MS_BIND | (flags & MS_REC), NULL) < 0)
        nx_die_errno("bind %s on %s", source, dest);
    close(fd);
    if (flags & NX_PER_MOUNT_FLAGS) remount_in_root(dest, flags);
}

/* ---- cgroup mounts: cgroup2 on a unified host; on v1, a tmpfs with one directory per hierarchy (as runc) ---- */

/* mountinfo fields are octal-escaped (\040 for a space). */
static void unescape(char *s) {
    char *out = s;
    for (; *s; s++) {
        if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' && s[3] >= '0' && s[3] <= '7') {
            *out++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
            s += 3;
        } else {
            *out++ = *s;
        }
    }
    *out = 0;
}

static bool has_token(const char *list, const char *token) {
    size_t n = strlen(token);
    for (const char *p = list; p && *p; p = strchr(p, ',') ? strchr(p, ',') + 1 : NULL)
        if (strncmp(p, token, n) == 0 && (p[n] == ',' || p[n] == 0)) return true;
    return false;
}

static bool has_all_tokens(const char *list, const char *tokens) {
    char *copy = nx_strdup(tokens), *save = NULL;
    bool all = true;
    for (char *t = strtok_r(copy, ",", &save); t && all; t = strtok_r(NULL, ",", &save)) all = has_token(list, t);
    free(copy);
    return all;
}

/* The host mount of the v1 hierarchy holding these controllers: its mount point and root. */
static bool find_v1_mount(const char *mountinfo, const char *controllers, char **point, char **root) {
    char *copy = nx_strdup(mountinfo), *save = NULL;
    bool found = false;
    for (char *line = strtok_r(copy, "\n", &save); line && !found; line = strtok_r(NULL, "\n", &save)) {
        char *sep = strstr(line, " - ");
        if (!sep) continue;
        char fstype[32], source[256], super[512];
        if (sscanf(sep + 3, "%31s %255s %511s", fstype, source, super) != 3 || strcmp(fstype, "cgroup") != 0) continue;
        char mroot[4096], mpoint[4096];
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", mroot, mpoint) != 2) continue;
        if (!has_all_tokens(super, controllers)) continue;
        unescape(mroot);
        unescape(mpoint);
        *point = nx_strdup(mpoint);
        *root = nx_strdup(mroot);
        found = true;
    }
    free(copy);
    return found;
}

static void mount_cgroup_v1(const char *dest, struct mount_options o, bool cgroup_namespace) {
    int fd = ensure_in_root(dest, false);
    if (fd < 0) nx_die_errno("mount point %s", dest);
    if (mount("tmpfs", fd_path(fd).s, "tmpfs", o.flags & ~MS_RDONLY, "mode=755") < 0)
        nx_die_errno("mount tmpfs on %s", dest);
    close(fd);
    char *cgroups = nx_read_file("/proc/self/cgroup", 1 << 16), *mountinfo = nx_read_file("/proc/self/mountinfo", 1 << 22);
    if (!cgroups || !mountinfo) nx_die_errno("read /proc/self/cgroup and mountinfo");
    char *save = NULL;
    for (char *line = strtok_r(cgroups, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *controllers = strchr(line, ':'), *path = controllers ? strchr(controllers + 1, ':') : NULL;
        if (!path || path == controllers + 1) continue; /* 0::/ is the v2 hierarchy: runc leaves it out on v1 */
        *controllers++ = 0;
        *path++ = 0;
        char *point, *root;
        if (!find_v1_mount(mountinfo, controllers, &point, &root)) continue;
        const char *name = strrchr(point, '/') + 1;
        char *sub = nx_path_join(dest, name);
        int sfd = ensure_in_root(sub, false);
        if (sfd < 0) nx_die_errno("mount point %s", sub);
        if (cgroup_namespace) { /* the namespace's root is the container's own cgroup */
            char data[512];
            snprintf(data, sizeof data, "%s%s", strncmp(controllers, "name=", 5) == 0 ? "none," : "", controllers);
            if (mount("cgroup", fd_path(sfd).s, "cgroup", o.flags, data) < 0) nx_die_errno("mount cgroup %s", sub);
        } else {
            size_t rn = strlen(root);
            const char *rel = strcmp(root, "/") != 0 && strncmp(path, root, rn) == 0 ? path + rn : path;
            char *source = nx_path_join(point, rel);
            if (mount(source, fd_path(sfd).s, NULL, MS_BIND | MS_REC, NULL) < 0)
                nx_die_errno("bind %s on %s", source, sub);
            remount_in_root(sub, o.flags);
        }
        close(sfd);
        if (strchr(name, ',')) { /* cpu,cpuacct: cpu and cpuacct as links to it */
            int dfd = open_in_root(dest, O_PATH | O_DIRECTORY);
            char *each = nx_strdup(name), *s2 = NULL;
            for (char *c = strtok_r(each, ",", &s2); c && dfd >= 0; c = strtok_r(NULL, ",", &s2))
                if (symlinkat(name, dfd, c) < 0 && errno != EEXIST) nx_die_errno("link %s/%s", dest, c);
            if (dfd >= 0) close(dfd);
        }
    }
    if (o.flags & MS_RDONLY) remount_in_root(dest, o.flags);
}

static void mount_cgroup(const struct nx_mount *m, struct mount_options o, bool cgroup_namespace) {
    struct statfs s;
    if (statfs("/sys/fs/cgroup", &s) == 0 && s.f_type == CGROUP2_SUPER_MAGIC) {
        int fd = ensure_in_root(m->destination, false);
        if (fd < 0) nx_die_errno("mount point %s", m->destination);
        if (mount("cgroup2", fd_path(fd).s, "cgroup2", o.flags, NULL) < 0) nx_die_errno("mount cgroup2 %s", m->destination);
        close(fd);
        return;
    }
    mount_cgroup_v1(m->destination, o, cgroup_namespace);
}

static void mount_one(const struct nx_config *c, const struct nx_mount *m, const struct nx_rootfs_state *st) {
    struct mount_options o = parse_options(&m->options);
    if (strcmp(m->type, "cgroup") == 0) {
        mount_cgroup(m, o, st->new_cgroup_namespace);
    } else if (strcmp(m->type, "bind") == 0 || (o.flags & MS_BIND)) {
        char *source = source_path(c, m->source);
        bind_into_root(source, m->destination, o.flags | MS_BIND);
        free(source);
    } else {
        int fd = ensure_in_root(m->destination, false);
        if (fd < 0) nx_die_errno("mount point %s", m->destination);
        int r = mount(m->source, fd_path(fd).s, m->type, o.flags, *o.data ? o.data : NULL);
        int saved = errno;
        close(fd);
        /* sysfs needs a network namespace owned by the user namespace; without one, runc binds the host's /sys */
        if (r < 0 && saved == EPERM && st->in_user_namespace && strcmp(m->type, "sysfs") == 0) {
            bind_into_root("/sys", m->destination, o.flags | MS_BIND | MS_REC);
        } else if (r < 0) {
            errno = saved;
            nx_die_errno("mount %s on %s", m->type, m->destination);
        }
    }
    set_propagation(m->destination, o.propagation);
}

/* ---- /dev: the nodes and links runc creates when /dev is a fresh mount (not a bind of the host's) ---- */

static bool dev_is_fresh(const struct nx_config *c) {
    for (size_t i = 0; i < c->n_mounts; i++) {
        const struct nx_mount *m = &c->mounts[i];
        if (strcmp(m->destination, "/dev") != 0 && strcmp(m->destination, "/dev/") != 0) continue;
        struct mount_options o = parse_options(&m->options);
        if (strcmp(m->type, "bind") != 0 && !(o.flags & MS_BIND)) return true;
    }
    return false;
}

static void make_devices(bool in_user_namespace) {
    static const struct { const char *name; unsigned major, minor; } devices[] = {
        {"null", 1, 3}, {"zero", 1, 5}, {"full", 1, 7}, {"random", 1, 8}, {"urandom", 1, 9}, {"tty", 5, 0},
    };
    int dev = open_in_root("/dev", O_PATH | O_DIRECTORY);
    if (dev < 0) nx_die_errno("open /dev of the rootfs");
    for (size_t i = 0; i < sizeof devices / sizeof *devices; i++) {
        const char *name = devices[i].name;
        if (in_user_namespace) { /* mknod is not allowed there: bind the host's node onto an empty file */
            int fd = openat(dev, name, O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0);
            if (fd < 0) nx_die_errno("create /dev/%s", name);
            char host[32];
            snprintf(host, sizeof host, "/dev/%s", name);
            if (mount(host, fd_path(fd).s, NULL, MS_BIND, NULL) < 0) nx_die_errno("bind %s", host);
            close(fd);
        } else {
            if (mknodat(dev, name, S_IFCHR | 0666, makedev(devices[i].major, devices[i].minor)) < 0 && errno != EEXIST)
                nx_die_errno("mknod /dev/%s", name);
            if (fchownat(dev, name, 0, 0, AT_SYMLINK_NOFOLLOW) < 0) nx_die_errno("chown /dev/%s", name);
        }
    }
    static const char *const links[][2] = {
        {"/proc/self/fd", "fd"}, {"/proc/self/fd/0", "stdin"}, {"/proc/self/fd/1", "stdout"},
        {"/proc/self/fd/2", "stderr"}, {"/proc/kcore", "core"},
    };
    for (size_t i = 0; i < sizeof links / sizeof *links; i++) {
        if (strcmp(links[i][1], "core") == 0 && access("/proc/kcore", F_OK) < 0) continue; /* no CONFIG_PROC_KCORE */
        if (symlinkat(links[i][0], dev, links[i][1]) < 0 && errno != EEXIST) nx_die_errno("link /dev/%s", links[i][1]);
    }
    if (unlinkat(dev, "ptmx", 0) < 0 && errno != ENOENT) nx_die_errno("remove /dev/ptmx");
    if (symlinkat("pts/ptmx", dev, "ptmx") < 0) nx_die_errno("link /dev/ptmx");
    close(dev);
}

/* ---- pivot_root and what follows it: paths are now the container's ---- */

static void pivot(const char *rootfs) {
    int old_root = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    int new_root = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC);
    if (old_root < 0 || new_root < 0) nx_die_errno("open / and %s", rootfs);
    if (fchdir(new_root) < 0) nx_die_errno("chdir %s", rootfs);
    if (syscall(SYS_pivot_root, ".", ".") < 0) nx_die_errno("pivot_root %s", rootfs);
    /* The old root is stacked under the new one at "."; slave first so that unmounting it cannot propagate. */
    if (fchdir(old_root) < 0) nx_die_errno("chdir to the old root");
    if (mount(NULL, ".", NULL, MS_SLAVE | MS_REC, NULL) < 0) nx_die_errno("make the old root rslave");
    if (umount2(".", MNT_DETACH) < 0) nx_die_errno("detach the old root");
    if (chdir("/") < 0) nx_die_errno("chdir /");
    close(old_root);
    close(new_root);
}

static void mask_path(const char *path) {
    if (mount("/dev/null", path, NULL, MS_BIND, NULL) == 0 || errno == ENOENT) return;
    if (errno == ENOTDIR && mount("tmpfs", path, "tmpfs", MS_RDONLY, NULL) == 0) return;
    nx_die_errno("mask %s", path);
}

static void readonly_path(const char *path) {
    if (mount(path, path, NULL, MS_BIND | MS_REC, NULL) < 0) {
        if (errno == ENOENT) return;
        nx_die_errno("bind %s", path);
    }
    make_readonly(path);
}

void nx_pty_open(int *master, int *slave, uid_t uid) {
    *master = open("/dev/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*master < 0) nx_die_errno("open /dev/ptmx");
    int unlock = 0;
    if (ioctl(*master, TIOCSPTLCK, &unlock) < 0) nx_die_errno("unlock the pty");
    *slave = ioctl(*master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (*slave < 0) nx_die_errno("open the pty's slave");
    if (fchown(*slave, uid, (gid_t)-1) < 0) nx_die_errno("chown the pty's slave");
    /* the size of the helper's own tty (still our stdin), here rather than in the helper: the command may ask
     * for it before the helper has the master */
    struct winsize ws;
    if (ioctl(STDIN_FILENO, TIOCGWINSZ, &ws) == 0) ioctl(*slave, TIOCSWINSZ, &ws);
}

/* runc binds the pty's slave over /dev/console. */
static void bind_console(int slave) {
    int fd = open("/dev/console", O_CREAT | O_WRONLY | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd >= 0) close(fd);
    if (mount(fd_path(slave).s, "/dev/console", NULL, MS_BIND, NULL) < 0) nx_die_errno("bind the pty on /dev/console");
}

void nx_rootfs_setup(const struct nx_config *c, struct nx_rootfs_state *st) {
    st->pty_master = st->pty_slave = -1;
    if (mount(NULL, "/", NULL, c->rootfs_propagation, NULL) < 0) nx_die_errno("set the propagation of /");
    if (mount(c->root_path, c->root_path, NULL, MS_BIND | MS_REC, NULL) < 0) nx_die_errno("bind the rootfs %s", c->root_path);
    root_fd = open(c->root_path, O_PATH | O_DIRECTORY | O_CLOEXEC);
    if (root_fd < 0) nx_die_errno("open the rootfs %s", c->root_path);
    for (size_t i = 0; i < c->n_mounts; i++) mount_one(c, &c->mounts[i], st);
    if (dev_is_fresh(c)) make_devices(st->in_user_namespace);
    close(root_fd);
    root_fd = -1;
    pivot(c->root_path);
    if (c->process.terminal) {
        nx_pty_open(&st->pty_master, &st->pty_slave, c->process.uid);
        bind_console(st->pty_slave);
    }
    for (size_t i = 0; i < c->readonly_paths.n; i++) readonly_path(c->readonly_paths.v[i]);
    for (size_t i = 0; i < c->masked_paths.n; i++) mask_path(c->masked_paths.v[i]);
    if (c->root_readonly) make_readonly("/");
}
