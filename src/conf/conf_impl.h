/* conf/conf_impl.h - what the engine's files share (not for modules):
 * conf.c (values and the cs_conf object), conf_ini.c (the file, via
 * libinih), conf_layers.c (environment, flags, building) and conf_doc.c
 * (dump, help, reference). */
#ifndef CS_CONF_CONF_IMPL_H
#define CS_CONF_CONF_IMPL_H

#include "conf/conf.h"

struct cs_conf {
	size_t n;
	const cs_conf_section **secs;  /* n, in the order given */
	void **data;                   /* n module structs */
	char source[CS_CONF_PATH_MAX]; /* the INI file; "" = none */
};

/* Where a value comes from, for messages and relative paths. */
typedef struct conf_origin {
	const char *file; /* INI file name ("x.ini"); NULL = a variable or flag */
	unsigned line;
	const char *what; /* "environment CARBONSTAT_AGENT_INTERVAL", "--interval" */
	const char *base; /* directory relative paths start from; NULL = the working directory */
} conf_origin;

/* An empty configuration of secs with every default applied. */
int conf_new(const cs_conf_section *const *secs, size_t n, cs_conf **out, char *err, size_t cap);

/* The index of s in c, or (size_t)-1. */
size_t conf_index(const cs_conf *c, const cs_conf_section *s);

/* Sorts m by name (after the file, for cs_conf_map_get). */
void conf_map_sort(cs_conf_map *m);

/* The section named name: *map is the map key for "[section.map]", else NULL. */
int conf_find(const cs_conf *c, const char *name, const cs_conf_key **map);

const cs_conf_key *conf_key(const cs_conf_section *s, const char *name);

/* Sets k in data from v. 0, or CS_EINVAL/CS_ENOMEM with why (one line). */
int conf_set(const cs_conf_key *k, void *data, const char *v, const conf_origin *o, char *why, size_t cap);

/* Adds name = v to the map k of data (line: where, for "already mapped"). */
int conf_map_add(const cs_conf_key *k, void *data, const char *name, const char *v, unsigned line, char *why,
                 size_t cap);

/* The value of k as the file would spell it; false when unset. */
bool conf_format(const cs_conf_key *k, const void *data, char *buf, size_t cap);

/* What a value of k looks like ("a duration from 100ms to 1h"). */
void conf_describe(const cs_conf_key *k, char *buf, size_t cap);

/* "a, b, c" of the section's keys, or of every section (s NULL). */
void conf_known(const cs_conf *c, const cs_conf_section *s, char *buf, size_t cap);

/* The first flag of s that sets key, or NULL. */
const cs_conf_flag *conf_flag_of(const cs_conf_section *s, const char *key);

/* The file layer into c (an error leaves c partly set: the caller drops it). */
int conf_ini_load(cs_conf *c, const char *path, char *err, size_t cap);
int conf_ini_parse(cs_conf *c, const char *buf, size_t len, const char *name, const char *base, char *err, size_t cap);

#endif
