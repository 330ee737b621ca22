/* strata-nsexec: the launcher's native helper. The contract with the Java side is launcher/NSEXEC.md.
 * Shared types and the functions each file offers; every name carries the nx_ prefix. */
#ifndef STRATA_NSEXEC_H
#define STRATA_NSEXEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define NX_EXIT_FAILED 125       /* the helper's own failure (docker's convention) */
#define NX_EXIT_CANNOT_EXEC 126
#define NX_EXIT_NOT_FOUND 127

/* ---- json.c: a small JSON reader (a tree of nodes; the helper execs or exits soon, nothing is freed) ---- */
enum nx_json_type { NX_JSON_NULL, NX_JSON_BOOL, NX_JSON_NUMBER, NX_JSON_STRING, NX_JSON_ARRAY, NX_JSON_OBJECT };

struct nx_json {
    enum nx_json_type type;
    char *key;                 /* member name inside an object */
    char *text;                /* a string's value, a number's digits */
    bool boolean;
    struct nx_json *child;     /* first element or member */
    struct nx_json *next;      /* next sibling */
};

/* Parses text; on a syntax error returns NULL and describes it (with the byte offset) in err. */
struct nx_json *nx_json_parse(const char *text, char *err, size_t errlen);
const struct nx_json *nx_json_member(const struct nx_json *object, const char *key);
const char *nx_json_type_name(enum nx_json_type type);

/* ---- config.c: the config.json subset of NSEXEC.md ---- */
struct nx_strings {
    char **v;                  /* NULL-terminated */
    size_t n;
};

struct nx_rlimit {
    int resource;
    uint64_t soft, hard;
};

enum nx_cap_set { NX_CAP_BOUNDING, NX_CAP_EFFECTIVE, NX_CAP_PERMITTED, NX_CAP_INHERITABLE, NX_CAP_AMBIENT, NX_CAP_SETS };

struct nx_process {
    bool terminal;
    uint32_t uid, gid;
    uint32_t *additional_gids;
    size_t n_additional_gids;
    struct nx_strings args, env;
    char *cwd;
    bool has_capabilities;     /* absent: the capabilities are left as they are */
    uint64_t caps[NX_CAP_SETS];
    struct nx_rlimit *rlimits;
    size_t n_rlimits;
    bool no_new_privileges;
};

struct nx_mount {
    char *destination, *type, *source;
    struct nx_strings options;
};

struct nx_id_map {
    uint32_t container_id, host_id, size;
};

struct nx_namespace {
    int flag;                  /* CLONE_NEW* */
    char *path;                /* NULL: a new one */
};

struct nx_config {
    char *bundle;              /* absolute */
    struct nx_process process;
    char *root_path;           /* absolute */
    bool root_readonly;
    char *hostname;
    struct nx_mount *mounts;
    size_t n_mounts;
    struct nx_namespace namespaces[8];
    size_t n_namespaces;
    struct nx_id_map *uid_maps, *gid_maps;
    size_t n_uid_maps, n_gid_maps;
    struct nx_strings masked_paths, readonly_paths;
    unsigned long rootfs_propagation;
};

void nx_config_load(const char *bundle, struct nx_config *config);
void nx_process_load(const char *file, struct nx_process *process);
/* The namespace entry of this CLONE_NEW* type, or NULL when the config does not list it. */
const struct nx_namespace *nx_config_namespace(const struct nx_config *config, int flag);
/* MS_* propagation flags of an OCI name (shared, rprivate, ...), 0 when it is none. */
unsigned long nx_propagation_flags(const char *name);

/* ---- caps.c: capabilities with raw syscalls ---- */
/* The capability number of a name such as CAP_SYS_ADMIN, or -1. */
int nx_cap_number(const char *name);
/* Drops the bounding set to what p keeps; before the user switch (needs CAP_SETPCAP). */
void nx_caps_drop_bounding(const struct nx_process *p);
/* effective/permitted/inheritable with capset, then the ambient set; after the user switch. */
void nx_caps_apply(const struct nx_process *p);

/* ---- rootfs.c: the container's mounts, from the rprivate step to the read-only root ---- */
struct nx_rootfs_state {
    bool in_user_namespace;    /* device nodes are bind mounts of the host's, as runc does */
    bool new_cgroup_namespace; /* cgroup hierarchies are mounted rather than bound */
    int pty_slave;             /* out: with process.terminal, the slave of the container's pty */
    int pty_master;            /* out */
};
void nx_rootfs_setup(const struct nx_config *config, struct nx_rootfs_state *state);
/* Opens the container's pty (after pivot_root: /dev/ptmx of its own devpts instance); the slave belongs to uid. */
void nx_pty_open(int *master, int *slave, uid_t uid);

/* ---- process.c: the last steps before execve, shared by run, exec and the init ---- */
void nx_process_rlimits(const struct nx_process *p);
/* cwd, user, capabilities, no_new_privs; ends with the process's credentials and capabilities. */
void nx_process_credentials(const struct nx_process *p);
/* execve of args[0] through the PATH of the process's env; a failure is reported as 126/127 (never returns). */
_Noreturn void nx_process_exec(const struct nx_process *p);
/* Signal mask and dispositions back to the defaults a fresh process has. */
void nx_signals_reset(void);
/* The controlling terminal for the process: new session, slave as stdio. */
void nx_process_take_tty(int slave);

/* ---- tty.c: the relay between the helper's stdio and the pty master ---- */
struct nx_relay {
    int master;                /* -1: no pty */
    bool stdin_open;
    char pending[4096];        /* read from stdin, not yet taken by the pty */
    size_t pending_len, pending_off;
};
/* Raw mode on the helper's own tty (restored at exit), its window size passed on, the master made non-blocking. */
void nx_relay_start(struct nx_relay *relay, int master);
/* Master output to stdout; false once the container's side is closed everywhere (EIO). */
bool nx_relay_output(struct nx_relay *relay);
/* stdin to the master, never blocking: what the pty does not take yet waits in pending. */
void nx_relay_input(struct nx_relay *relay);
void nx_relay_flush_input(struct nx_relay *relay);
void nx_relay_winsize(const struct nx_relay *relay);
/* After the container's process ended: what its pty still holds. */
void nx_relay_drain(struct nx_relay *relay);

/* ---- sync.c: the messages between the helper and its child (an AF_UNIX SOCK_SEQPACKET pair) ---- */
/* 'G' go (parent to child); 'T' + fd the pty master; 'P' + pid the exec'd process; 'E' + code + line a failure.
 * The child's end is CLOEXEC: end of file without 'E' means execve succeeded. */
struct nx_message {
    char kind;
    int code;                  /* 'E': the exit status; 'P': the pid */
    int fd;                    /* 'T' */
    char line[1024];           /* 'E': the whole line for stderr */
};
void nx_sync_send(int fd, char kind, int code, const char *line, int pass_fd);
/* false at end of file (or when the peer is gone). */
bool nx_sync_recv(int fd, struct nx_message *m);

/* ---- main.c: the command line ---- */
#define NX_MAX_CGROUPS 32
struct nx_options {
    const char *bundle;        /* run */
    const char *process_file;  /* exec */
    pid_t target_pid;          /* exec */
    const char *cgroups[NX_MAX_CGROUPS];
    int cgroup_procs[NX_MAX_CGROUPS]; /* CGDIR/cgroup.procs, opened before anything starts */
    size_t n_cgroups;
    const char *pid_file, *log, *exit_file;
    bool detach, init;
};

/* ---- run.c and exec.c: the two commands; both return the exit status of the container's process ---- */
int nx_run(const struct nx_options *o, const struct nx_config *config);
int nx_exec(const struct nx_options *o, const struct nx_process *process);

/* ---- supervise.c: what the helper does once its child exists ---- */
/* Writes pid into every --cgroup (before the child is released). */
void nx_join_cgroups(const struct nx_options *o, pid_t pid);
/* In a new child: failures go to the parent over sync; the parent's descriptors are dropped. */
void nx_child_begin(int sync);
/* PR_SET_PDEATHSIG(SIGKILL), then waits for the helper's 'G' (exits quietly if the helper is gone). */
void nx_child_wait_go(int sync);
/* The child's last steps: PR_SET_PDEATHSIG again (a user switch clears it) and exit if the helper is already gone,
 * default signals, execve. */
_Noreturn void nx_child_exec(const struct nx_process *p, int sync);
/* --init: pid 1 forks the command and stays as a minimal init (reaps, forwards, exits with the command's status). */
_Noreturn void nx_init_run(const struct nx_process *p, int sync, int pty_slave);
/* Relays, forwards signals and waits for pid; returns its exit status (or the child's reported failure). */
int nx_supervise(pid_t pid, int sync);
/* The signals forwarded to the container (SIGCHLD and SIGWINCH too are blocked and read from a signalfd). */
void nx_signals_block(void);

/* ---- client.c: `strata run` through the store daemon, without a JVM ---- */
int nx_client_main(int argc, char **argv);

/* ---- errors: main.c decides where a failure goes (see nx_fail) ---- */
struct nx_failure_route {
    int child_sync;            /* in a child: the failure is sent to the parent over this socket */
    pid_t kill_pid;            /* in the parent: the container's process to kill on failure */
    const char *pid_file;      /* removed on failure */
    int report_fd;             /* detached shim: the pipe to the helper that was started */
    const char *exit_file;     /* detached shim */
};
extern struct nx_failure_route nx_route;

/* "strata-nsexec: <what>: <strerror(err)>" (err 0: without the strerror part), then exit with code. */
_Noreturn void nx_die(int code, int err, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
_Noreturn void nx_fail_line(int code, const char *line);
#define nx_die_errno(...) nx_die(NX_EXIT_FAILED, errno, __VA_ARGS__)

/* ---- util ---- */
void *nx_alloc(size_t size);
char *nx_strdup(const char *s);
char *nx_path_join(const char *dir, const char *name);
char *nx_read_file(const char *path, size_t max);
/* Writes text to path through a temporary name and rename (readers never see half a file). */
int nx_write_atomic(const char *path, const char *text);
int nx_write_all(int fd, const void *buf, size_t n);

#endif
