/* config.json (and exec's process.json) into struct nx_config: the subset NSEXEC.md lists. Unknown fields are
 * ignored; a known field of the wrong type or value is a failure (125) naming the field. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>

struct where {
    const char *file;          /* "config.json" */
    const char *field;         /* "process.args" */
};

#define CONFIG_MAX_BYTES (4 << 20)

_Noreturn static void bad(struct where w, const char *what) {
    nx_die(NX_EXIT_FAILED, 0, "%s: %s: %s", w.file, w.field, what);
}

static struct where at(struct where w, const char *member) {
    size_t n = strlen(w.field) + strlen(member) + 2;
    char *field = nx_alloc(n);
    snprintf(field, n, "%s%s%s", w.field, *w.field ? "." : "", member);
    return (struct where){w.file, field};
}

/* node must be of type t (a missing node counts as absent: NULL is returned). */
static const struct nx_json *typed(struct where w, const struct nx_json *node, enum nx_json_type t) {
    if (!node || node->type == NX_JSON_NULL) return NULL;
    if (node->type != t) {
        char msg[96];
        snprintf(msg, sizeof msg, "expected %s, found %s", nx_json_type_name(t), nx_json_type_name(node->type));
        bad(w, msg);
    }
    return node;
}

static const struct nx_json *member(struct where *sub, struct where w, const struct nx_json *obj, const char *key,
                                    enum nx_json_type t) {
    *sub = at(w, key);
    return typed(*sub, nx_json_member(obj, key), t);
}

static char *string_of(struct where w, const struct nx_json *obj, const char *key) {
    struct where sub;
    const struct nx_json *n = member(&sub, w, obj, key, NX_JSON_STRING);
    return n ? n->text : NULL;
}

static bool bool_of(struct where w, const struct nx_json *obj, const char *key) {
    struct where sub;
    const struct nx_json *n = member(&sub, w, obj, key, NX_JSON_BOOL);
    return n && n->boolean;
}

static uint64_t unsigned_value(struct where w, const struct nx_json *n, uint64_t max) {
    char *end;
    errno = 0;
    unsigned long long v = strtoull(n->text, &end, 10);
    if (n->text[0] == '-' || *end || errno || v > max) bad(w, "expected a non-negative integer in range");
    return v;
}

static uint64_t unsigned_of(struct where w, const struct nx_json *obj, const char *key, uint64_t max, bool required) {
    struct where sub;
    const struct nx_json *n = member(&sub, w, obj, key, NX_JSON_NUMBER);
    if (!n) {
        if (required) bad(sub, "missing");
        return 0;
    }
    return unsigned_value(sub, n, max);
}

static size_t count(const struct nx_json *array) {
    size_t n = 0;
    for (const struct nx_json *e = array ? array->child : NULL; e; e = e->next) n++;
    return n;
}

static struct nx_strings strings_of(struct where w, const struct nx_json *obj, const char *key) {
    struct where sub;
    const struct nx_json *a = member(&sub, w, obj, key, NX_JSON_ARRAY);
    struct nx_strings s = {nx_alloc((count(a) + 1) * sizeof(char *)), 0};
    for (const struct nx_json *e = a ? a->child : NULL; e; e = e->next) {
        if (e->type != NX_JSON_STRING) bad(sub, "expected an array of strings");
        s.v[s.n++] = e->text;
    }
    return s;
}

static const char *const rlimit_names[] = {
    [RLIMIT_CPU] = "RLIMIT_CPU", [RLIMIT_FSIZE] = "RLIMIT_FSIZE", [RLIMIT_DATA] = "RLIMIT_DATA",
    [RLIMIT_STACK] = "RLIMIT_STACK", [RLIMIT_CORE] = "RLIMIT_CORE", [RLIMIT_RSS] = "RLIMIT_RSS",
    [RLIMIT_NPROC] = "RLIMIT_NPROC", [RLIMIT_NOFILE] = "RLIMIT_NOFILE", [RLIMIT_MEMLOCK] = "RLIMIT_MEMLOCK",
    [RLIMIT_AS] = "RLIMIT_AS", [RLIMIT_LOCKS] = "RLIMIT_LOCKS", [RLIMIT_SIGPENDING] = "RLIMIT_SIGPENDING",
    [RLIMIT_MSGQUEUE] = "RLIMIT_MSGQUEUE", [RLIMIT_NICE] = "RLIMIT_NICE", [RLIMIT_RTPRIO] = "RLIMIT_RTPRIO",
    [RLIMIT_RTTIME] = "RLIMIT_RTTIME",
};

static int rlimit_number(const char *name) {
    for (size_t i = 0; i < sizeof rlimit_names / sizeof *rlimit_names; i++)
        if (rlimit_names[i] && strcmp(rlimit_names[i], name) == 0) return (int)i;
    return -1;
}

static uint64_t capability_set(struct where w, const struct nx_json *caps, const char *key) {
    struct nx_strings names = strings_of(w, caps, key);
    uint64_t set = 0;
    for (size_t i = 0; i < names.n; i++) {
        int cap = nx_cap_number(names.v[i]);
        if (cap < 0) {
            char msg[128];
            snprintf(msg, sizeof msg, "unknown capability %.64s", names.v[i]);
            bad(at(w, key), msg);
        }
        set |= 1ULL << cap;
    }
    return set;
}

static void process_from(struct where w, const struct nx_json *proc, struct nx_process *p) {
    struct where sub;
    memset(p, 0, sizeof *p);
    if (!typed(w, proc, NX_JSON_OBJECT)) bad(w, "missing");
    p->terminal = bool_of(w, proc, "terminal");
    const struct nx_json *user = member(&sub, w, proc, "user", NX_JSON_OBJECT);
    if (user) {
        p->uid = (uint32_t)unsigned_of(sub, user, "uid", UINT32_MAX - 1, false);
        p->gid = (uint32_t)unsigned_of(sub, user, "gid", UINT32_MAX - 1, false);
        struct where gw;
        const struct nx_json *gids = member(&gw, sub, user, "additionalGids", NX_JSON_ARRAY);
        p->additional_gids = nx_alloc((count(gids) + 1) * sizeof(uint32_t));
        for (const struct nx_json *e = gids ? gids->child : NULL; e; e = e->next) {
            if (e->type != NX_JSON_NUMBER) bad(gw, "expected an array of numbers");
            p->additional_gids[p->n_additional_gids++] = (uint32_t)unsigned_value(gw, e, UINT32_MAX - 1);
        }
    }
    p->args = strings_of(w, proc, "args");
    if (p->args.n == 0) bad(at(w, "args"), "missing or empty");
    p->env = strings_of(w, proc, "env");
    p->cwd = string_of(w, proc, "cwd");
    if (!p->cwd) p->cwd = "/";
    if (p->cwd[0] != '/') bad(at(w, "cwd"), "not an absolute path");
    const struct nx_json *caps = member(&sub, w, proc, "capabilities", NX_JSON_OBJECT);
    if (caps) {
        static const char *const sets[NX_CAP_SETS] = {"bounding", "effective", "permitted", "inheritable", "ambient"};
        p->has_capabilities = true;
        for (int i = 0; i < NX_CAP_SETS; i++) p->caps[i] = capability_set(sub, caps, sets[i]);
    }
    const struct nx_json *rl = member(&sub, w, proc, "rlimits", NX_JSON_ARRAY);
    p->rlimits = nx_alloc((count(rl) + 1) * sizeof *p->rlimits);
    for (const struct nx_json *e = rl ? rl->child : NULL; e; e = e->next) {
        if (e->type != NX_JSON_OBJECT) bad(sub, "expected an array of objects");
        const char *type = string_of(sub, e, "type");
        int resource = type ? rlimit_number(type) : -1;
        if (resource < 0) bad(at(sub, "type"), "missing or unknown rlimit");
        struct nx_rlimit *r = &p->rlimits[p->n_rlimits++];
        r->resource = resource;
        r->hard = unsigned_of(sub, e, "hard", UINT64_MAX, true);
        r->soft = unsigned_of(sub, e, "soft", UINT64_MAX, true);
        if (r->soft > r->hard) bad(sub, "soft above hard");
    }
    p->no_new_privileges = bool_of(w, proc, "noNewPrivileges");
}

static char *read_json(const char *path, struct nx_json **root) {
    char *text = nx_read_file(path, CONFIG_MAX_BYTES);
    if (!text) nx_die_errno("read %s", path);
    char err[128];
    *root = nx_json_parse(text, err, sizeof err);
    if (!*root) nx_die(NX_EXIT_FAILED, 0, "%s: %s", path, err);
    return text;
}

void nx_process_load(const char *file, struct nx_process *process) {
    struct nx_json *root;
    read_json(file, &root);
    process_from((struct where){file, "process"}, root, process);
}

static const struct { const char *name; int flag; } namespace_types[] = {
    {"pid", CLONE_NEWPID}, {"network", CLONE_NEWNET}, {"mount", CLONE_NEWNS}, {"ipc", CLONE_NEWIPC},
    {"uts", CLONE_NEWUTS}, {"user", CLONE_NEWUSER}, {"cgroup", CLONE_NEWCGROUP},
};

static void namespaces_from(struct where w, const struct nx_json *linux_, struct nx_config *c) {
    struct where sub;
    const struct nx_json *list = member(&sub, w, linux_, "namespaces", NX_JSON_ARRAY);
    for (const struct nx_json *e = list ? list->child : NULL; e; e = e->next) {
        if (e->type != NX_JSON_OBJECT) bad(sub, "expected an array of objects");
        const char *type = string_of(sub, e, "type");
        int flag = 0;
        for (size_t i = 0; type && i < sizeof namespace_types / sizeof *namespace_types; i++)
            if (strcmp(namespace_types[i].name, type) == 0) flag = namespace_types[i].flag;
        if (!flag) bad(at(sub, "type"), "missing or unsupported namespace type");
        if (nx_config_namespace(c, flag)) bad(sub, "a namespace type listed twice");
        char *path = string_of(sub, e, "path");
        if (path && !*path) path = NULL;
        if (path && flag == CLONE_NEWNS) bad(sub, "joining a mount namespace by path is not supported");
        c->namespaces[c->n_namespaces++] = (struct nx_namespace){flag, path};
    }
}

static struct nx_id_map *id_maps_from(struct where w, const struct nx_json *linux_, const char *key, size_t *n) {
    struct where sub;
    const struct nx_json *list = member(&sub, w, linux_, key, NX_JSON_ARRAY);
    struct nx_id_map *maps = nx_alloc((count(list) + 1) * sizeof *maps);
    *n = 0;
    for (const struct nx_json *e = list ? list->child : NULL; e; e = e->next) {
        if (e->type != NX_JSON_OBJECT) bad(sub, "expected an array of objects");
        maps[(*n)++] = (struct nx_id_map){
            (uint32_t)unsigned_of(sub, e, "containerID", UINT32_MAX, true),
            (uint32_t)unsigned_of(sub, e, "hostID", UINT32_MAX, true),
            (uint32_t)unsigned_of(sub, e, "size", UINT32_MAX, true),
        };
    }
    return maps;
}

static void mounts_from(struct where w, const struct nx_json *root, struct nx_config *c) {
    struct where sub;
    const struct nx_json *list = member(&sub, w, root, "mounts", NX_JSON_ARRAY);
    c->mounts = nx_alloc((count(list) + 1) * sizeof *c->mounts);
    for (const struct nx_json *e = list ? list->child : NULL; e; e = e->next) {
        if (e->type != NX_JSON_OBJECT) bad(sub, "expected an array of objects");
        struct nx_mount *m = &c->mounts[c->n_mounts++];
        m->destination = string_of(sub, e, "destination");
        if (!m->destination || m->destination[0] != '/') bad(at(sub, "destination"), "missing or not absolute");
        m->type = string_of(sub, e, "type");
        m->source = string_of(sub, e, "source");
        m->options = strings_of(sub, e, "options");
        if (!m->type) m->type = "bind";
        if (!m->source) m->source = "none";
    }
}

unsigned long nx_propagation_flags(const char *name) {
    static const struct { const char *name; unsigned long flags; } names[] = {
        {"private", MS_PRIVATE}, {"rprivate", MS_PRIVATE | MS_REC}, {"shared", MS_SHARED},
        {"rshared", MS_SHARED | MS_REC}, {"slave", MS_SLAVE}, {"rslave", MS_SLAVE | MS_REC},
        {"unbindable", MS_UNBINDABLE}, {"runbindable", MS_UNBINDABLE | MS_REC},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++)
        if (strcmp(names[i].name, name) == 0) return names[i].flags;
    return 0;
}

void nx_config_load(const char *bundle, struct nx_config *c) {
    memset(c, 0, sizeof *c);
    c->bundle = realpath(bundle, NULL);
    if (!c->bundle) nx_die_errno("bundle %s", bundle);
    char *file = nx_path_join(c->bundle, "config.json");
    struct nx_json *root;
    read_json(file, &root);
    struct where w = {"config.json", ""}, sub;
    if (!typed(w, root, NX_JSON_OBJECT)) bad((struct where){"config.json", "(top)"}, "expected an object");
    string_of(w, root, "ociVersion");
    process_from(at(w, "process"), nx_json_member(root, "process"), &c->process);
    const struct nx_json *rootfs = member(&sub, w, root, "root", NX_JSON_OBJECT);
    char *path = string_of(sub, rootfs, "path");
    if (!path || !*path) bad(at(sub, "path"), "missing");
    c->root_path = path[0] == '/' ? path : nx_path_join(c->bundle, path);
    c->root_readonly = bool_of(sub, rootfs, "readonly");
    c->hostname = string_of(w, root, "hostname");
    mounts_from(w, root, c);
    const struct nx_json *linux_ = member(&sub, w, root, "linux", NX_JSON_OBJECT);
    namespaces_from(sub, linux_, c);
    c->uid_maps = id_maps_from(sub, linux_, "uidMappings", &c->n_uid_maps);
    c->gid_maps = id_maps_from(sub, linux_, "gidMappings", &c->n_gid_maps);
    c->masked_paths = strings_of(sub, linux_, "maskedPaths");
    c->readonly_paths = strings_of(sub, linux_, "readonlyPaths");
    char *propagation = string_of(sub, linux_, "rootfsPropagation");
    c->rootfs_propagation = MS_PRIVATE | MS_REC;
    if (propagation && *propagation) {
        c->rootfs_propagation = nx_propagation_flags(propagation);
        if (!c->rootfs_propagation) bad(at(sub, "rootfsPropagation"), "unknown propagation");
    }
    const struct nx_namespace *user = nx_config_namespace(c, CLONE_NEWUSER);
    if (user && !user->path && (c->n_uid_maps == 0 || c->n_gid_maps == 0))
        bad(at(sub, "uidMappings"), "a new user namespace needs uidMappings and gidMappings");
    if (c->n_uid_maps > 340 || c->n_gid_maps > 340) bad(at(sub, "uidMappings"), "more than 340 ranges");
}

const struct nx_namespace *nx_config_namespace(const struct nx_config *c, int flag) {
    for (size_t i = 0; i < c->n_namespaces; i++)
        if (c->namespaces[i].flag == flag) return &c->namespaces[i];
    return NULL;
}
