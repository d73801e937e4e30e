/* conf/conf.h - the configuration engine: typed section tables, an INI file
 * read with libinih, the environment and command-line flags on top.
 *
 * conf/ knows no module. A module describes its part of carbonstat.ini in a
 * cs_conf_section next to its code: a name ("kubelet"), the size of its own
 * typed struct, and one cs_conf_key row per key that points into that struct
 * (offsetof) with the key's type, default, range, flags and one line of help:
 *
 *   static const cs_conf_key keys[] = {
 *       {"refresh_s", CS_CONF_DURATION, CS_CONF_AT(cs_kubelet_conf, refresh_s), .def = "60",
 *        .min = 5, .max = 86400, .help = "pod list re-read period"},
 *   };
 *   const cs_conf_section cs_kubelet_section = CS_CONF_SECTION("kubelet", cs_kubelet_conf, keys);
 *
 * The program lists the sections it knows (one line each, agent/registry.c)
 * and builds one cs_conf from the layers
 *
 *   built-in defaults < INI file < CARBONSTAT_<SECTION>_<KEY> < --flags
 *
 * after which each module reads its own typed struct (cs_conf_get): there
 * are no getters. The same tables give the command-line flags (cs_conf_flag),
 * their --help lines, the `--check-config` dump and the key reference of
 * docs/agent.md (cs_conf_reference), so none of those can drift.
 *
 * Strict: an unknown section, key or CARBONSTAT_ variable, a key given twice
 * in the file, two flags that set one key differently, a bad value, a line
 * longer than CS_CONF_LINE_MAX or a NUL byte is an error, in one line naming
 * file:line, the variable or the flag, and what was expected ("known keys:
 * ..."); values of secret keys are never echoed. cs_conf_build is all or
 * nothing.
 *
 * Paths (CS_CONF_PATH) follow one rule wherever they come from: a relative
 * path is relative to where it was written, the INI file's directory for a
 * key in the file, the working directory for a flag or a variable, and is
 * stored absolute (a reload or the dump reads the same file).
 *
 * A cs_conf is immutable once built; no globals (libinih's tunables are left
 * as Debian builds them).
 */
#ifndef CS_CONF_CONF_H
#define CS_CONF_CONF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define CS_CONF_PATH_MAX   512        /* paths and URLs, with the NUL */
#define CS_CONF_LINE_MAX   4096       /* longest INI line, newline excluded */
#define CS_CONF_FILE_MAX   (1u << 20) /* a larger INI file is refused */
#define CS_CONF_ENV_PREFIX "CARBONSTAT_"

/* A switch that can also be left to detection. */
typedef enum cs_tristate {
	CS_AUTO = 0,
	CS_ON,
	CS_OFF,
} cs_tristate;

/* CS_CONF_LIST: "a, b, c". Owned by the cs_conf. */
typedef struct cs_conf_list {
	char **v;
	size_t n;
} cs_conf_list;

/* One "name = value" line of a map section. */
typedef struct cs_conf_pair {
	char *key, *value;
	unsigned line; /* where the file set it (messages); 0 = not from a file */
} cs_conf_pair;

/* CS_CONF_MAP: the lines of [<section>.<key>], sorted by name. */
typedef struct cs_conf_map {
	cs_conf_pair *v;
	size_t n;
} cs_conf_map;

typedef enum cs_conf_type {
	CS_CONF_BOOL,     /* bool: true/false, yes/no, on/off, 1/0 */
	CS_CONF_TRISTATE, /* cs_tristate: auto, or a bool */
	CS_CONF_UINT,     /* unsigned in [min, max] */
	CS_CONF_BYTES,    /* uint64_t in [min, max]; K, M, G, T suffixes (powers of 1024) */
	CS_CONF_DOUBLE,   /* double in [min, max] */
	CS_CONF_DURATION, /* double seconds in [min, max]: "5s", "500ms", "1h30m"; a bare number is seconds */
	CS_CONF_PERCENT,  /* double fraction in [min, max]: "50%" or "50" is 0.5 */
	CS_CONF_STRING,   /* char[size]: printable; letters, digits and .chars when chars is set */
	CS_CONF_PATH,     /* char[size]: a file path, made absolute (see above); "" = none */
	CS_CONF_URL,      /* char[size]: http:// or https://, no blanks; "" = the module's default */
	CS_CONF_HOSTPORT, /* char[size]: host:port or [v6]:port; ":port" with CS_CONF_ANYHOST */
	CS_CONF_ENUM,     /* an enum (int-sized): the index of the value in names[] */
	CS_CONF_LIST,     /* cs_conf_list: comma-separated, at most max items, no repeats */
	CS_CONF_MAP,      /* cs_conf_map: the section [<section>.<key>], "name = value" lines */
} cs_conf_type;

#define CS_CONF_SECRET   0x01u /* never echoed: errors say "not shown", the dump "<set, hidden>" */
#define CS_CONF_REQUIRED 0x02u /* must not be empty once layered, when the section is enabled */
#define CS_CONF_ZERO     0x04u /* numbers: 0 is also accepted (off / the default) */
#define CS_CONF_UNSET    0x08u /* doubles: may be unset (NaN); "" unsets */
#define CS_CONF_NOBLANK  0x10u /* strings: no blanks either */
#define CS_CONF_ANYHOST  0x20u /* host:port: ":port" (every address) is accepted */

/* One key: its row in the module's table. */
typedef struct cs_conf_key {
	const char *name; /* as in the file: "refresh_s" */
	cs_conf_type type;
	size_t off, size;         /* CS_CONF_AT(struct, field) */
	const char *def;          /* the default, spelt as in the file; NULL = "" */
	double min, max;          /* numbers: the range (in seconds, as a fraction for percent);
	                           * lists: max = most items */
	unsigned flags;           /* CS_CONF_SECRET ... */
	const char *const *names; /* enum: the name of each value, nnames of them */
	size_t nnames;
	unsigned long mask; /* enum: the values accepted here (bit per value); 0 = all */
	const char *chars;  /* strings, list items: punctuation allowed besides letters and
	                     * digits; NULL = any printable character */
	/* Strings, list items, map values: the module's own check of v; 0 or
	 * CS_EINVAL, why may say what is wrong (else "expected <expect>"). */
	int (*valid)(const char *v, char *why, size_t cap);
	/* Maps: checks a name and writes its normal form ("nginx" ->
	 * "nginx.service") to out[cap]; 0 or CS_EINVAL with why. NULL = as is. */
	int (*map_key)(const char *name, char *out, size_t cap, char *why, size_t whycap);
	const char *expect; /* a value in words, for errors and the reference ("a team name
	                     * (1-63 of A-Z a-z 0-9 . _ -)"); numbers: the noun, the range follows */
	const char *help;   /* one line */
} cs_conf_key;

#define CS_CONF_AT(type, field) offsetof(type, field), sizeof(((type *)0)->field)

/* A command-line flag of a section: --<name> [ARG] sets key to ARG (or a
 * switch's value) and, with enable, the section's switch to true. */
typedef struct cs_conf_flag {
	const char *name;  /* without "--": "statsd" */
	const char *arg;   /* "ADDR"; NULL = a switch */
	const char *key;   /* the key it sets */
	const char *value; /* a switch's value ("true", "false") */
	bool enable;       /* also turns the section on (--statsd ADDR) */
	const char *help;  /* one line (may hold "\n" for a second); NULL = the key's */
} cs_conf_flag;

typedef struct cs_conf_section {
	const char *name; /* "kubelet" */
	size_t size;      /* sizeof the module's struct */
	const cs_conf_key *keys;
	size_t nkeys;
	const char *enabled; /* the bool key that turns it on ("enabled"); NULL = always on */
	/* Cross-key rules once every layer is in ("lat without lon"); may derive
	 * fields. 0, or an error with why (the engine prefixes "[name] "). */
	int (*check)(void *data, char *why, size_t cap);
	const cs_conf_flag *flags;
	size_t nflags;
} cs_conf_section;

#define CS_CONF_N(a)     (sizeof(a) / sizeof((a)[0]))
#define CS_CONF_KEYS(a)  .keys = (a), .nkeys = CS_CONF_N(a)
#define CS_CONF_FLAGS(a) .flags = (a), .nflags = CS_CONF_N(a)
/* The section named nm over the module's struct type, rows keys, then any
 * of .enabled, .check, CS_CONF_FLAGS(...). */
#define CS_CONF_SECTION(nm, type, keys, ...)                                                                           \
	{                                                                                                              \
		.name = (nm), .size = sizeof(type), CS_CONF_KEYS(keys), __VA_ARGS__                                    \
	}

/* ---- building ------------------------------------------------------------------- */

typedef struct cs_conf cs_conf;

/* A flag as given on the command line. */
typedef struct cs_conf_arg {
	const cs_conf_section *sec;
	const cs_conf_flag *flag;
	const char *value; /* its argument; NULL for a switch */
} cs_conf_arg;

typedef struct cs_conf_layers {
	const char *path; /* the INI file; NULL or "" = none */
	const char *text; /* or the INI text itself, text_len bytes (not NUL-terminated) */
	size_t text_len;
	const char *text_name; /* what messages call the text ("<string>" if NULL) */
	char *const *envp;     /* CARBONSTAT_* variables of it (NULL = none); CARBONSTAT_CONFIG
	                        * (names the file) and Kubernetes service links are skipped */
	const cs_conf_arg *args;
	size_t nargs;
} cs_conf_layers;

/* The configuration of sections secs[0..n) from the layers (l NULL = the
 * defaults). 0; CS_EINVAL (bad content: err says where and what), CS_ERANGE
 * (file too large), -errno (unreadable file) or CS_ENOMEM; *out is set
 * only on success. */
int cs_conf_build(const cs_conf_section *const *secs, size_t n, const cs_conf_layers *l, cs_conf **out, char *err,
                  size_t errcap);

/* Deep copy. 0 or CS_ENOMEM. */
int cs_conf_dup(const cs_conf *c, cs_conf **out);

/* NULL is a no-op. */
void cs_conf_free(cs_conf *c);

/* ---- reading -------------------------------------------------------------------- */

/* The module's struct for s, or NULL when c (may be NULL) lacks s. */
const void *cs_conf_get(const cs_conf *c, const cs_conf_section *s);

/* The section's switch (its enabled key; true without one); false when c
 * lacks s. */
bool cs_conf_enabled(const cs_conf *c, const cs_conf_section *s);

/* The INI file it was read from; "" = none. */
const char *cs_conf_source(const cs_conf *c);

/* Whether s reads the same in a and b (both must have it). */
bool cs_conf_same(const cs_conf *a, const cs_conf *b, const cs_conf_section *s);

/* Replaces dst's s with src's (a reload keeping what runs). 0 or CS_ENOMEM
 * (dst unchanged). */
int cs_conf_keep(cs_conf *dst, const cs_conf *src, const cs_conf_section *s);

/* The value of name in m, or NULL. */
const char *cs_conf_map_get(const cs_conf_map *m, const char *name);

/* ---- writing -------------------------------------------------------------------- */

/* The effective configuration as an INI file that reads back: unset keys
 * and secrets as comments. */
void cs_conf_dump(const cs_conf *c, FILE *f);

/* The --help lines of every section's flags, in table order. */
void cs_conf_help(const cs_conf_section *const *secs, size_t n, FILE *f);

/* The key reference (Markdown tables: key, value, default, flag, meaning). */
void cs_conf_reference(const cs_conf_section *const *secs, size_t n, FILE *f);

#endif
