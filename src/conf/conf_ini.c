/* conf/conf_ini.c - the INI file layer: libinih does the syntax, the
 * section tables the meaning.
 *
 * Line numbers: Debian's libinih is built without INI_HANDLER_LINENO, so the
 * handler is not told its line. We feed libinih through ini_parse_stream with
 * our own line reader instead, which counts lines (libinih calls the handler
 * for a line before it reads the next), rejects NUL bytes and lines longer
 * than CS_CONF_LINE_MAX, sees "[section]" headers (libinih reports only
 * name = value pairs, so an empty unknown section would go unnoticed), and
 * stops the parse at the first error so the first error is the one reported.
 *
 * Long lines: Debian builds libinih with a fixed 200-byte line buffer
 * (INI_MAX_LINE, no INI_ALLOW_REALLOC), which the reader cannot change. A
 * longer "name = value" line (a long label list) is handed to libinih as
 * "name =" and its value kept aside here; the handler then takes the value
 * with libinih's own rules for values (blanks around it dropped, an inline
 * "  ;comment" cut). Long comment lines are handed over empty. So libinih
 * still parses every line's structure, and no line is split or truncated.
 */
#include "conf/conf_impl.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <ini.h>

#include <carbonstat/error.h>

#include "core/why.h"

typedef struct ini_ctx {
	cs_conf *c;
	const char *buf; /* the whole input */
	size_t len, pos;
	unsigned line;    /* line last handed to libinih (1-based) */
	const char *name; /* file name for messages */
	const char *base; /* directory relative paths start from */
	bool failed;      /* an error is recorded: stop */
	int rc;           /* its code */
	char *err;
	size_t errcap;
	unsigned char *seen; /* per section, per key: set in this file already */
	size_t *seen_at;     /* first index in seen of each section */
	char *long_value;    /* the value of a long line, kept from libinih */
	bool long_pending;   /* the line handed over last has its value there */
} ini_ctx;

__attribute__((format(printf, 2, 3))) static void ini_fail(ini_ctx *x, const char *fmt, ...)
{
	va_list ap;
	char msg[768];

	if (x->failed)
		return;
	x->failed = true;
	if (!x->rc)
		x->rc = CS_EINVAL;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cs_set_why(x->err, x->errcap, "%s:%u: %s", x->name, x->line, msg);
}

static void ini_unknown_section(ini_ctx *x, const char *name)
{
	char known[512];

	conf_known(x->c, NULL, known, sizeof(known));
	ini_fail(x, "unknown section [%.64s]; known sections: %s", name, known);
}

static void ini_bad_value(ini_ctx *x, const char *section, const char *name, const cs_conf_key *k, const char *value,
                          const char *why)
{
	if (k && (k->flags & CS_CONF_SECRET))
		ini_fail(x, "[%s] %s: bad value (not shown): %s", section, name, why);
	else
		ini_fail(x, "[%s] %.128s = '%.64s': %s", section, name, value, why);
}

/* libinih's value rules, for the value of a long line. */
static const char *ini_long_value(char *v)
{
	char *p;
	size_t n;

	while (*v == ' ' || *v == '\t')
		v++;
	for (p = v; *p; p++) {
		if (*p == ';' && p > v && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			break;
		}
	}
	n = strlen(v);
	while (n && (v[n - 1] == ' ' || v[n - 1] == '\t' || v[n - 1] == '\r' || v[n - 1] == '\n'))
		v[--n] = '\0';
	return v;
}

static int conf_ini_handler(void *user, const char *section, const char *name, const char *value)
{
	ini_ctx *x = user;
	const cs_conf_key *map, *k;
	char why[384], known[512];
	int si, rc;

	if (x->failed)
		return 0;
	if (x->long_pending) {
		x->long_pending = false;
		value = ini_long_value(x->long_value);
	}
	if (!section[0]) {
		ini_fail(x, "key '%.64s' outside any section; put it under a [section]", name);
		return 0;
	}
	si = conf_find(x->c, section, &map);
	if (si < 0) {
		ini_unknown_section(x, section);
		return 0;
	}
	if (map) {
		rc = conf_map_add(map, x->c->data[si], name, value, x->line, why, sizeof(why));
		if (rc) {
			x->rc = rc;
			ini_bad_value(x, section, name, map, value, rc == CS_ENOMEM ? "out of memory" : why);
			return 0;
		}
		return 1;
	}
	k = conf_key(x->c->secs[si], name);
	if (!k || k->type == CS_CONF_MAP) {
		conf_known(x->c, x->c->secs[si], known, sizeof(known));
		ini_fail(x, "unknown key '%.64s' in [%s]; known keys: %s", name, section, known);
		return 0;
	}
	if (x->seen[x->seen_at[si] + (size_t)(k - x->c->secs[si]->keys)]++) {
		ini_fail(x, "key '%s' in [%s] given twice", name, section);
		return 0;
	}
	rc = conf_set(k, x->c->data[si], value, &(conf_origin){x->name, x->line, NULL, x->base}, why, sizeof(why));
	if (rc) {
		x->rc = rc;
		ini_bad_value(x, section, name, k, value, rc == CS_ENOMEM ? "out of memory" : why);
		return 0;
	}
	return 1;
}

/* Checks a "[name]" header line (libinih reports only name = value pairs). */
static void ini_check_header(ini_ctx *x, const char *p, size_t n)
{
	const cs_conf_key *map;
	const char *end;
	char name[72];
	size_t len;

	if (!n || *p != '[')
		return;
	end = memchr(p, ']', n);
	if (!end)
		return; /* libinih reports the syntax error */
	len = (size_t)(end - p - 1);
	if (len >= sizeof(name)) {
		ini_fail(x, "unknown section (name too long)");
		return;
	}
	memcpy(name, p + 1, len);
	name[len] = '\0';
	if (conf_find(x->c, name, &map) < 0)
		ini_unknown_section(x, name);
}

/* A line too long for libinih's buffer, as libinih may see it in str[num]:
 * a comment as an empty line, "name = value" as "name =" with the value
 * kept. 0, or an error recorded. */
static int ini_long_line(ini_ctx *x, const char *p, size_t n, char *str, int num)
{
	size_t i, name_len;

	if (*p == ';' || *p == '#') {
		memcpy(str, "\n", 2);
		return 0;
	}
	if (*p == '[') {
		const char *end = memchr(p, ']', n);

		if (end && (size_t)(end - p) + 3 <= (size_t)num) {
			memcpy(str, p, (size_t)(end - p) + 1);
			memcpy(str + (end - p) + 1, "\n", 2);
			return 0;
		}
	}
	/* the name ends at the first '=' or ':' that is not in a comment */
	for (i = 0; i < n; i++) {
		if (p[i] == '=' || p[i] == ':')
			break;
		if (p[i] == ';' && i && (p[i - 1] == ' ' || p[i - 1] == '\t'))
			i = n;
	}
	if (i >= n || *p == '[') {
		ini_fail(x, "syntax error: expected [section], key = value or a ; comment");
		return -1;
	}
	name_len = i + 1;
	if (name_len + 2 > (size_t)num) {
		ini_fail(x, "key longer than %d characters", num - 3);
		return -1;
	}
	memcpy(str, p, name_len);
	memcpy(str + name_len, "\n", 2);
	memcpy(x->long_value, p + name_len, n - name_len);
	x->long_value[n - name_len] = '\0';
	x->long_pending = true;
	return 0;
}

/* ini_reader over the buffer: one line per call, counted. */
static char *conf_ini_reader(char *str, int num, void *stream)
{
	ini_ctx *x = stream;
	const char *p, *nl;
	size_t rest, n, text;

	if (x->failed || x->pos >= x->len || num < 8)
		return NULL;
	p = x->buf + x->pos;
	rest = x->len - x->pos;
	nl = memchr(p, '\n', rest);
	n = nl ? (size_t)(nl - p) + 1 : rest;
	x->line++;
	x->pos += n;
	if (memchr(p, '\0', n)) {
		ini_fail(x, "NUL byte: not a text file");
		return NULL;
	}
	text = n;
	while (text && (p[text - 1] == '\n' || p[text - 1] == '\r'))
		text--;
	if (x->line == 1 && text >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3; /* a UTF-8 BOM (libinih would skip it too, after our header check) */
		text -= 3;
	}
	if (text > CS_CONF_LINE_MAX) {
		ini_fail(x, "line longer than %d characters", CS_CONF_LINE_MAX);
		return NULL;
	}
	/* hand libinih the line without its indentation: an indented line would
	 * otherwise be read as the continuation of the previous value */
	while (text && (*p == ' ' || *p == '\t')) {
		p++;
		text--;
	}
	ini_check_header(x, p, text);
	if (x->failed)
		return NULL;
	if (text + 2 > (size_t)num) {
		if (ini_long_line(x, p, text, str, num) != 0)
			return NULL;
		return str;
	}
	memcpy(str, p, text);
	memcpy(str + text, "\n", 2);
	return str;
}

int conf_ini_parse(cs_conf *c, const char *buf, size_t len, const char *name, const char *base, char *err, size_t cap)
{
	ini_ctx x;
	size_t nseen = 0;
	int rc;

	memset(&x, 0, sizeof(x));
	x.c = c;
	x.buf = buf;
	x.len = len;
	x.name = name ? name : "<string>";
	x.base = base;
	x.err = err;
	x.errcap = cap;
	x.seen_at = calloc(c->n + 1, sizeof(*x.seen_at));
	for (size_t i = 0; x.seen_at && i < c->n; i++) {
		x.seen_at[i] = nseen;
		nseen += c->secs[i]->nkeys;
	}
	x.seen = calloc(nseen + 1, 1);
	x.long_value = malloc(CS_CONF_LINE_MAX + 1);
	if (!x.seen_at || !x.seen || !x.long_value) {
		rc = CS_ENOMEM;
		goto out;
	}
	rc = ini_parse_stream(conf_ini_reader, &x, conf_ini_handler, &x);
	/* libinih goes on after a syntax error, so a later line may have failed
	 * in our handler meanwhile: report whichever came first */
	if (rc != 0 && (!x.failed || (rc > 0 && (unsigned)rc < x.line))) {
		x.failed = false;
		x.rc = 0;
		if (rc > 0)
			x.line = (unsigned)rc;
		if (rc == -2) {
			x.rc = CS_ENOMEM;
			ini_fail(&x, "out of memory");
		} else {
			ini_fail(&x, "syntax error: expected [section], key = value or a ; comment");
		}
	}
	rc = x.failed ? x.rc : 0;
out:
	free(x.seen_at);
	free(x.seen);
	free(x.long_value);
	return rc;
}

/* The directory of path, absolute: where its relative paths start ("" if
 * the working directory is unknown). */
static void conf_dir_of(const char *path, char *base, size_t cap)
{
	char cwd[CS_CONF_PATH_MAX];
	char *slash;

	base[0] = '\0';
	if (path[0] == '/')
		cs_set_why(base, cap, "%s", path);
	else if (getcwd(cwd, sizeof(cwd)))
		cs_set_why(base, cap, "%s/%s", cwd, path);
	slash = strrchr(base, '/');
	if (slash)
		slash[slash == base ? 1 : 0] = '\0';
}

int conf_ini_load(cs_conf *c, const char *path, char *err, size_t cap)
{
	char *buf = NULL, base[CS_CONF_PATH_MAX];
	struct stat st;
	size_t len = 0;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st) != 0) {
		rc = -errno;
		cs_set_why(err, cap, "%s: cannot read the config file: %s; check the path (--config)", path,
		           strerror(errno));
		if (fd >= 0)
			close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size > (off_t)CS_CONF_FILE_MAX) {
		cs_set_why(err, cap, "%s: not a regular file of at most %u bytes", path, CS_CONF_FILE_MAX);
		close(fd);
		return S_ISREG(st.st_mode) ? CS_ERANGE : CS_EINVAL;
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return CS_ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t r = read(fd, buf + len, (size_t)st.st_size - len);

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			rc = -errno;
			cs_set_why(err, cap, "%s: read error: %s", path, strerror(errno));
			free(buf);
			close(fd);
			return rc;
		}
		if (r == 0)
			break; /* shrank while we read: parse what is there */
		len += (size_t)r;
	}
	close(fd);
	conf_dir_of(path, base, sizeof(base));
	rc = conf_ini_parse(c, buf, len, path, base, err, cap);
	free(buf);
	if (rc == 0)
		snprintf(c->source, sizeof(c->source), "%s", path);
	return rc;
}
