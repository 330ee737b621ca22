/* A small JSON reader (RFC 8259) for config.json: a tree of nodes, strings decoded to UTF-8, numbers kept as their
 * digits so that 64-bit values (rlimits) lose nothing. Nesting is limited; NUL inside strings is refused. */
#define _GNU_SOURCE
#include "nsexec.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define NX_JSON_MAX_DEPTH 64

struct parser {
    const char *s;
    size_t pos;
    char *err;
    size_t errlen;
    bool failed;
};

static void fail(struct parser *p, const char *what) {
    if (!p->failed) snprintf(p->err, p->errlen, "%s at byte %zu", what, p->pos);
    p->failed = true;
}

static void skip_space(struct parser *p) {
    while (p->s[p->pos] == ' ' || p->s[p->pos] == '\t' || p->s[p->pos] == '\n' || p->s[p->pos] == '\r') p->pos++;
}

static bool literal(struct parser *p, const char *word) {
    size_t n = strlen(word);
    if (strncmp(p->s + p->pos, word, n) != 0) return false;
    p->pos += n;
    return true;
}

static int hex4(struct parser *p) {
    int v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p->s[p->pos++];
        v <<= 4;
        if (c >= '0' && c <= '9') v |= c - '0';
        else if (c >= 'a' && c <= 'f') v |= c - 'a' + 10;
        else if (c >= 'A' && c <= 'F') v |= c - 'A' + 10;
        else {
            fail(p, "bad \\u escape");
            return -1;
        }
    }
    return v;
}

static size_t put_utf8(char *out, unsigned long cp) {
    if (cp < 0x80) {
        out[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        out[0] = (char)(0xc0 | (cp >> 6));
        out[1] = (char)(0x80 | (cp & 0x3f));
        return 2;
    }
    if (cp < 0x10000) {
        out[0] = (char)(0xe0 | (cp >> 12));
        out[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
        out[2] = (char)(0x80 | (cp & 0x3f));
        return 3;
    }
    out[0] = (char)(0xf0 | (cp >> 18));
    out[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
    out[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
    out[3] = (char)(0x80 | (cp & 0x3f));
    return 4;
}

/* At the opening quote; returns the decoded string (never longer than its escaped form). */
static char *string(struct parser *p) {
    p->pos++;
    size_t start = p->pos;
    while (p->s[p->pos] && p->s[p->pos] != '"') p->pos += p->s[p->pos] == '\\' && p->s[p->pos + 1] ? 2 : 1;
    if (!p->s[p->pos]) {
        fail(p, "unterminated string");
        return NULL;
    }
    char *out = nx_alloc(p->pos - start + 1);
    size_t n = 0;
    p->pos = start;
    while (p->s[p->pos] != '"') {
        unsigned char c = (unsigned char)p->s[p->pos++];
        if (c < 0x20) {
            fail(p, "control character in string");
            return NULL;
        }
        if (c != '\\') {
            out[n++] = (char)c;
            continue;
        }
        char e = p->s[p->pos++];
        switch (e) {
        case '"': case '\\': case '/': out[n++] = e; break;
        case 'b': out[n++] = '\b'; break;
        case 'f': out[n++] = '\f'; break;
        case 'n': out[n++] = '\n'; break;
        case 'r': out[n++] = '\r'; break;
        case 't': out[n++] = '\t'; break;
        case 'u': {
            long cp = hex4(p);
            if (cp < 0) return NULL;
            if (cp >= 0xd800 && cp < 0xdc00) { /* a surrogate pair: \uD83D\uDE00 */
                if (p->s[p->pos] != '\\' || p->s[p->pos + 1] != 'u') {
                    fail(p, "lone surrogate in string");
                    return NULL;
                }
                p->pos += 2;
                long low = hex4(p);
                if (low < 0xdc00 || low > 0xdfff) {
                    fail(p, "bad surrogate pair in string");
                    return NULL;
                }
                cp = 0x10000 + ((cp - 0xd800) << 10) + (low - 0xdc00);
            } else if (cp >= 0xdc00 && cp < 0xe000) {
                fail(p, "lone surrogate in string");
                return NULL;
            }
            if (cp == 0) {
                fail(p, "NUL in string");
                return NULL;
            }
            n += put_utf8(out + n, (unsigned long)cp);
            break;
        }
        default:
            fail(p, "bad escape in string");
            return NULL;
        }
    }
    p->pos++;
    out[n] = 0;
    return out;
}

static char *number(struct parser *p) {
    size_t start = p->pos;
    if (p->s[p->pos] == '-') p->pos++;
    if (p->s[p->pos] == '0') p->pos++;
    else if (p->s[p->pos] >= '1' && p->s[p->pos] <= '9') while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    else {
        fail(p, "bad number");
        return NULL;
    }
    if (p->s[p->pos] == '.') {
        p->pos++;
        if (!(p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) {
            fail(p, "bad number");
            return NULL;
        }
        while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    }
    if (p->s[p->pos] == 'e' || p->s[p->pos] == 'E') {
        p->pos++;
        if (p->s[p->pos] == '+' || p->s[p->pos] == '-') p->pos++;
        if (!(p->s[p->pos] >= '0' && p->s[p->pos] <= '9')) {
            fail(p, "bad number");
            return NULL;
        }
        while (p->s[p->pos] >= '0' && p->s[p->pos] <= '9') p->pos++;
    }
    char *digits = nx_alloc(p->pos - start + 1);
    memcpy(digits, p->s + start, p->pos - start);
    return digits;
}

static struct nx_json *value(struct parser *p, int depth);

/* Elements of an array or members of an object, after the opening bracket. */
static bool items(struct parser *p, struct nx_json *parent, char close, int depth) {
    struct nx_json **tail = &parent->child;
    skip_space(p);
    if (p->s[p->pos] == close) {
        p->pos++;
        return true;
    }
    for (;;) {
        char *key = NULL;
        skip_space(p);
        if (close == '}') {
            if (p->s[p->pos] != '"') {
                fail(p, "expected a member name");
                return false;
            }
            if (!(key = string(p))) return false;
            skip_space(p);
            if (p->s[p->pos] != ':') {
                fail(p, "expected ':'");
                return false;
            }
            p->pos++;
        }
        struct nx_json *v = value(p, depth + 1);
        if (!v) return false;
        v->key = key;
        *tail = v;
        tail = &v->next;
        skip_space(p);
        if (p->s[p->pos] == ',') {
            p->pos++;
            continue;
        }
        if (p->s[p->pos] == close) {
            p->pos++;
            return true;
        }
        fail(p, close == '}' ? "expected ',' or '}'" : "expected ',' or ']'");
        return false;
    }
}

static struct nx_json *value(struct parser *p, int depth) {
    if (depth > NX_JSON_MAX_DEPTH) {
        fail(p, "nested too deeply");
        return NULL;
    }
    skip_space(p);
    struct nx_json *v = nx_alloc(sizeof *v);
    char c = p->s[p->pos];
    if (c == '{' || c == '[') {
        p->pos++;
        v->type = c == '{' ? NX_JSON_OBJECT : NX_JSON_ARRAY;
        if (!items(p, v, c == '{' ? '}' : ']', depth)) return NULL;
    } else if (c == '"') {
        v->type = NX_JSON_STRING;
        if (!(v->text = string(p))) return NULL;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        v->type = NX_JSON_NUMBER;
        if (!(v->text = number(p))) return NULL;
    } else if (literal(p, "true")) {
        v->type = NX_JSON_BOOL;
        v->boolean = true;
    } else if (literal(p, "false")) {
        v->type = NX_JSON_BOOL;
    } else if (literal(p, "null")) {
        v->type = NX_JSON_NULL;
    } else {
        fail(p, "unexpected character");
        return NULL;
    }
    return v;
}

struct nx_json *nx_json_parse(const char *text, char *err, size_t errlen) {
    struct parser p = {.s = text, .err = err, .errlen = errlen};
    struct nx_json *v = value(&p, 0);
    if (!v) return NULL;
    skip_space(&p);
    if (p.s[p.pos]) {
        fail(&p, "trailing characters");
        return NULL;
    }
    return v;
}

/* The last member of that name wins, as in most readers. */
const struct nx_json *nx_json_member(const struct nx_json *object, const char *key) {
    const struct nx_json *found = NULL;
    if (!object || object->type != NX_JSON_OBJECT) return NULL;
    for (const struct nx_json *m = object->child; m; m = m->next)
        if (strcmp(m->key, key) == 0) found = m;
    return found;
}

const char *nx_json_type_name(enum nx_json_type type) {
    static const char *const names[] = {"null", "a boolean", "a number", "a string", "an array", "an object"};
    return names[type];
}
