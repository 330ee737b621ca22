/* Capabilities with raw syscalls (no libcap), in runc's order: the bounding set is dropped while still root
 * (PR_CAPBSET_DROP needs CAP_SETPCAP), the user switch keeps the permitted set (PR_SET_KEEPCAPS), then capset sets
 * effective/permitted/inheritable and the ambient set is raised last (it needs permitted and inheritable). */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

static const char *const cap_names[] = {
    "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
    "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST",
    "CAP_NET_ADMIN", "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO",
    "CAP_SYS_CHROOT", "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",
    "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE",
    "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM",
    "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ", "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",
};

int nx_cap_number(const char *name) {
    for (size_t i = 0; i < sizeof cap_names / sizeof *cap_names; i++)
        if (strcmp(cap_names[i], name) == 0) return (int)i;
    return -1;
}

/* The highest capability this kernel knows: capabilities above it are neither dropped nor set. */
static int last_cap(void) {
    static int last = -1;
    if (last < 0) {
        char *text = nx_read_file("/proc/sys/kernel/cap_last_cap", 64);
        last = text ? atoi(text) : CAP_LAST_CAP;
        if (last <= 0 || last > 63) last = CAP_LAST_CAP;
    }
    return last;
}

static uint64_t known(uint64_t set) {
    int last = last_cap();
    return last >= 63 ? set : set & ((2ULL << last) - 1);
}

void nx_caps_drop_bounding(const struct nx_process *p) {
    if (!p->has_capabilities) return;
    for (int cap = 0; cap <= last_cap(); cap++) {
        if (p->caps[NX_CAP_BOUNDING] & (1ULL << cap)) continue;
        if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) < 0 && errno != EINVAL)
            nx_die_errno("drop %s from the bounding set", cap < (int)(sizeof cap_names / sizeof *cap_names)
                                                             ? cap_names[cap] : "a capability");
    }
}

void nx_caps_apply(const struct nx_process *p) {
    if (!p->has_capabilities) return;
    struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
    struct __user_cap_data_struct data[2];
    uint64_t eff = known(p->caps[NX_CAP_EFFECTIVE]), perm = known(p->caps[NX_CAP_PERMITTED]);
    uint64_t inh = known(p->caps[NX_CAP_INHERITABLE]);
    for (int i = 0; i < 2; i++) {
        data[i].effective = (uint32_t)(eff >> (32 * i));
        data[i].permitted = (uint32_t)(perm >> (32 * i));
        data[i].inheritable = (uint32_t)(inh >> (32 * i));
    }
    if (syscall(SYS_capset, &header, data) < 0) nx_die_errno("capset");
    if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
        nx_die_errno("clear the ambient capabilities");
    /* A capability can only be ambient when it is permitted and inheritable: others are left out, as runc does
     * (`runc spec` lists ambient capabilities without inheritable ones). */
    uint64_t ambient = known(p->caps[NX_CAP_AMBIENT]) & perm & inh;
    for (int cap = 0; cap <= last_cap(); cap++)
        if ((ambient & (1ULL << cap)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, cap, 0, 0) < 0)
            nx_die_errno("raise %s in the ambient set", cap_names[cap]);
}
