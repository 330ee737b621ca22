/*
 * The btrfs peer's snapshot steps for benchmarks/run.sh --store-targets (io.strata.bench.BtrfsPeer): the ioctls a
 * btrfs user's tools make, timed here so that the harness measures them without this process' start.
 *   btrfs-peer subvol DIR NAME        create subvolume DIR/NAME
 *   btrfs-peer snap DIR SRC NAME      writable snapshot of DIR/SRC as DIR/NAME; prints the nanoseconds it took
 *   btrfs-peer rollback DIR CUR SNAP  destroy DIR/CUR, then snapshot DIR/SNAP as DIR/CUR; prints the nanoseconds
 *   btrfs-peer destroy DIR NAME...    destroy subvolumes DIR/NAME (one that is not there is skipped)
 * Exit status 1 with a message on stderr when an ioctl fails.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/btrfs.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000LL + t.tv_nsec;
}

static int opendir_fd(const char *dir, const char *name) {
    char p[4096];
    snprintf(p, sizeof p, "%s%s%s", dir, name ? "/" : "", name ? name : "");
    int fd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) fprintf(stderr, "btrfs-peer: open %s: %s\n", p, strerror(errno));
    return fd;
}

/* An ioctl that takes the name of a subvolume of dir (create, destroy). */
static int vol_ioctl(const char *dir, const char *name, unsigned long request, const char *what) {
    int d = opendir_fd(dir, NULL);
    if (d < 0) return -1;
    struct btrfs_ioctl_vol_args a;
    memset(&a, 0, sizeof a);
    strncpy(a.name, name, BTRFS_PATH_NAME_MAX);
    int r = ioctl(d, request, &a);
    if (r < 0) fprintf(stderr, "btrfs-peer: %s subvolume %s/%s: %s\n", what, dir, name, strerror(errno));
    close(d);
    return r;
}

static int subvol(const char *dir, const char *name) {
    return vol_ioctl(dir, name, BTRFS_IOC_SUBVOL_CREATE, "create");
}

static int snap(const char *dir, const char *src, const char *name) {
    int d = opendir_fd(dir, NULL), s = opendir_fd(dir, src);
    int r = -1;
    if (d >= 0 && s >= 0) {
        struct btrfs_ioctl_vol_args_v2 a;
        memset(&a, 0, sizeof a);
        a.fd = s;
        strncpy(a.name, name, BTRFS_SUBVOL_NAME_MAX);
        r = ioctl(d, BTRFS_IOC_SNAP_CREATE_V2, &a);
        if (r < 0) fprintf(stderr, "btrfs-peer: snapshot %s/%s as %s: %s\n", dir, src, name, strerror(errno));
    }
    if (s >= 0) close(s);
    if (d >= 0) close(d);
    return r;
}

static int destroy(const char *dir, const char *name) {
    char p[4096];
    struct stat st;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    if (stat(p, &st) < 0 && errno == ENOENT) return 0;
    return vol_ioctl(dir, name, BTRFS_IOC_SNAP_DESTROY, "destroy");
}

int main(int argc, char **argv) {
    if (argc == 4 && !strcmp(argv[1], "subvol")) return subvol(argv[2], argv[3]) < 0;
    if (argc == 5 && !strcmp(argv[1], "snap")) {
        long long t0 = now_ns();
        if (snap(argv[2], argv[3], argv[4]) < 0) return 1;
        printf("%lld\n", now_ns() - t0);
        return 0;
    }
    if (argc == 5 && !strcmp(argv[1], "rollback")) {
        long long t0 = now_ns();
        if (destroy(argv[2], argv[3]) < 0 || snap(argv[2], argv[4], argv[3]) < 0) return 1;
        printf("%lld\n", now_ns() - t0);
        return 0;
    }
    if (argc >= 4 && !strcmp(argv[1], "destroy")) {
        for (int i = 3; i < argc; i++)
            if (destroy(argv[2], argv[i]) < 0) return 1;
        return 0;
    }
    fprintf(stderr, "usage: btrfs-peer subvol DIR NAME | snap DIR SRC NAME | rollback DIR CUR SNAP | destroy DIR NAME...\n");
    return 2;
}
