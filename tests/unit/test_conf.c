/* test_conf.c - the conf engine (conf/conf.h) on sections of its own: every
 * key type and flag, every error path, the layers, the dump round trip,
 * copy/compare, and the generated help and reference. The real sections are
 * tested in test_config.c.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "conf/conf.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the sections under test ------------------------------------------------------- */

typedef enum t_color { T_RED, T_GREEN, T_BLUE, T_GREY } t_color;
static const char *const t_colors[] = {"red", "green", "blue", "grey"};

typedef struct t_all {
	bool on;
	cs_tristate mode;
	unsigned count;
	uint64_t size;
	double ratio, opt;
	double wait_s;
	double share;
	char name[16];
	char word[16];
	char secret[32];
	char file[CS_CONF_PATH_MAX];
	char url[64];
	char addr[64], any[64];
	t_color color;
	cs_conf_list tags;
	cs_conf_map owners;
	int checked; /* derived by the check callback */
} t_all;

static int t_no_x(const char *v, char *why, size_t cap)
{
	if (!strchr(v, 'x'))
		return 0;
	snprintf(why, cap, "'%s' has an x", v);
	return CS_EINVAL;
}

static int t_owner_key(const char *name, char *out, size_t cap, char *why, size_t whycap)
{
	if (name[0] == '-') {
		snprintf(why, whycap, "'%s' starts with '-'", name);
		return CS_EINVAL;
	}
	size_t n = strlen(name);

	/* the normal form ends in ".x" (as "nginx" is "nginx.service") */
	snprintf(out, cap, "%s%s", name, n >= 2 && strcmp(name + n - 2, ".x") == 0 ? "" : ".x");
	return 0;
}

static int t_check(void *data, char *why, size_t cap)
{
	t_all *a = data;

	if (a->count == 13) {
		snprintf(why, cap, "count 13 is unlucky");
		return CS_EINVAL;
	}
	a->checked++;
	return 0;
}

static const cs_conf_key t_keys[] = {
    {"on", CS_CONF_BOOL, CS_CONF_AT(t_all, on), .def = "false", .help = "switch"},
    {"mode", CS_CONF_TRISTATE, CS_CONF_AT(t_all, mode), .def = "auto", .help = "mode"},
    {"count", CS_CONF_UINT, CS_CONF_AT(t_all, count), .def = "10", .min = 5, .max = 100, .flags = CS_CONF_ZERO,
     .help = "count"},
    {"size", CS_CONF_BYTES, CS_CONF_AT(t_all, size), .def = "1M", .min = 4096, .max = 1ull << 32, .help = "size"},
    {"ratio", CS_CONF_DOUBLE, CS_CONF_AT(t_all, ratio), .def = "1.5", .min = 1, .max = 3, .expect = "a ratio",
     .help = "ratio"},
    {"opt", CS_CONF_DOUBLE, CS_CONF_AT(t_all, opt), .min = -1, .max = 1, .flags = CS_CONF_UNSET, .help = "optional"},
    {"wait", CS_CONF_DURATION, CS_CONF_AT(t_all, wait_s), .def = "5s", .min = 0.1, .max = 86400, .help = "wait"},
    {"share", CS_CONF_PERCENT, CS_CONF_AT(t_all, share), .def = "50%", .min = 0.1, .max = 0.9, .help = "share"},
    {"name", CS_CONF_STRING, CS_CONF_AT(t_all, name), .def = "n1", .chars = "-", .expect = "a name (letters, -)",
     .help = "name"},
    {"word", CS_CONF_STRING, CS_CONF_AT(t_all, word), .valid = t_no_x, .expect = "a word", .help = "word"},
    {"secret", CS_CONF_STRING, CS_CONF_AT(t_all, secret), .flags = CS_CONF_SECRET | CS_CONF_NOBLANK, .expect = "a key",
     .help = "secret"},
    {"file", CS_CONF_PATH, CS_CONF_AT(t_all, file), .flags = CS_CONF_REQUIRED, .help = "file"},
    {"url", CS_CONF_URL, CS_CONF_AT(t_all, url), .help = "url"},
    {"addr", CS_CONF_HOSTPORT, CS_CONF_AT(t_all, addr), .def = "127.0.0.1:1", .help = "addr"},
    {"any", CS_CONF_HOSTPORT, CS_CONF_AT(t_all, any), .def = ":2", .flags = CS_CONF_ANYHOST, .help = "any"},
    {"color", CS_CONF_ENUM, CS_CONF_AT(t_all, color), .def = "red", .names = t_colors, .nnames = 4,
     .mask = 1u << T_RED | 1u << T_GREEN | 1u << T_BLUE, .help = "color"},
    {"tags", CS_CONF_LIST, CS_CONF_AT(t_all, tags), .def = "a, b", .max = 3, .valid = t_no_x, .expect = "tags",
     .help = "tags"},
    {"owners", CS_CONF_MAP, CS_CONF_AT(t_all, owners), .map_key = t_owner_key, .valid = t_no_x, .expect = "an owner",
     .help = "who owns what"},
};

static const cs_conf_flag t_flags[] = {
    {"count", "N", "count", NULL, false, "the count"},
    {"file", "F", "file", NULL, true, NULL},
    {"off", NULL, "on", "false", false, "turn it off"},
    {"secret", "S", "secret", NULL, false, "a secret\nover two lines"},
    {"a-very-long-flag-name", "ARG", "name", NULL, false, "long"},
};

static const cs_conf_section t_all_section = {
    .name = "all",
    .size = sizeof(t_all),
    CS_CONF_KEYS(t_keys),
    .enabled = "on",
    .check = t_check,
    CS_CONF_FLAGS(t_flags),
};

typedef struct t_sub {
	unsigned n;
} t_sub;

static const cs_conf_key t_sub_keys[] = {
    {"n", CS_CONF_UINT, CS_CONF_AT(t_sub, n), .def = "1", .min = 0, .max = 9, .help = "n"},
};

static const cs_conf_section t_sub_section = {"all.sub", sizeof(t_sub), CS_CONF_KEYS(t_sub_keys)};

static const cs_conf_section *const t_secs[] = {&t_all_section, &t_sub_section};

/* ---- helpers ------------------------------------------------------------------------- */

static int t_build(const char *text, char **envp, const cs_conf_arg *args, size_t nargs, cs_conf **out, char *err,
                   size_t cap)
{
	cs_conf_layers l = {.envp = envp, .args = args, .nargs = nargs};

	if (text) {
		l.text = text;
		l.text_len = strlen(text);
		l.text_name = "t.ini";
	}
	*out = NULL;
	return cs_conf_build(t_secs, ARRAY_LEN(t_secs), &l, out, err, cap);
}

static cs_conf *t_ok(const char *text)
{
	cs_conf *c;
	char err[512] = "";

	if (t_build(text, NULL, NULL, 0, &c, err, sizeof(err)) != 0)
		fail_msg("%s", err);
	return c;
}

static const t_all *t_get(const cs_conf *c)
{
	return cs_conf_get(c, &t_all_section);
}

/* text must fail with exactly want. */
static void t_fails(const char *text, const char *want)
{
	cs_conf *c = (cs_conf *)1;
	char err[512] = "";

	if (t_build(text, NULL, NULL, 0, &c, err, sizeof(err)) != CS_EINVAL)
		fail_msg("'%s' was accepted", text);
	assert_null(c);
	if (strcmp(err, want) != 0)
		fail_msg("%s\n got  '%s'\n want '%s'", text, err, want);
}

static char *t_dump(const cs_conf *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	cs_conf_dump(c, f);
	fclose(f);
	return buf;
}

/* ---- tests ----------------------------------------------------------------------------- */

static void test_defaults(void **state)
{
	cs_conf *c = t_ok(NULL);
	const t_all *a = t_get(c);

	(void)state;
	assert_false(a->on);
	assert_int_equal(a->mode, CS_AUTO);
	assert_int_equal(a->count, 10);
	assert_true(a->size == 1u << 20);
	assert_true(a->ratio == 1.5 && isnan(a->opt) && a->wait_s == 5 && a->share == 0.5);
	assert_string_equal(a->name, "n1");
	assert_string_equal(a->word, "");
	assert_string_equal(a->addr, "127.0.0.1:1");
	assert_int_equal(a->color, T_RED);
	assert_int_equal(a->tags.n, 2);
	assert_string_equal(a->tags.v[1], "b");
	assert_int_equal(a->owners.n, 0);
	assert_int_equal(a->checked, 1);
	assert_false(cs_conf_enabled(c, &t_all_section)); /* its switch is off */
	assert_true(cs_conf_enabled(c, &t_sub_section));  /* no switch: on */
	assert_string_equal(cs_conf_source(c), "");
	assert_null(cs_conf_get(c, (const cs_conf_section *)&t_keys)); /* not in c */
	assert_false(cs_conf_enabled(NULL, &t_sub_section));
	assert_int_equal(((const t_sub *)cs_conf_get(c, &t_sub_section))->n, 1);
	cs_conf_free(c);
}

static void test_every_type(void **state)
{
	static const char ini[] = "[all]\n"
	                          "on = yes\nmode = off\ncount = 0\nsize = 64K\nratio = 2.25\nopt = -0.5\n"
	                          "wait = 1h30m\nshare = 12.5\nname = a-b\nword = hello\nsecret = s3cr3t\n"
	                          "file = /var/x\nurl = https://u:p@host/x\naddr = [::1]:80\nany = :443\n"
	                          "color = blue\ntags = z , y,w\n"
	                          "[all.owners]\nb = bob\na = ann\n"
	                          "[all.sub]\nn = 9\n";
	cs_conf *c = t_ok(ini);
	const t_all *a = t_get(c);

	(void)state;
	assert_true(a->on);
	assert_int_equal(a->mode, CS_OFF);
	assert_int_equal(a->count, 0);
	assert_true(a->size == 65536);
	assert_true(a->ratio == 2.25 && a->opt == -0.5 && a->wait_s == 5400 && a->share == 0.125);
	assert_string_equal(a->name, "a-b");
	assert_string_equal(a->secret, "s3cr3t");
	assert_string_equal(a->url, "https://u:p@host/x");
	assert_string_equal(a->addr, "[::1]:80");
	assert_string_equal(a->any, ":443");
	assert_int_equal(a->color, T_BLUE);
	assert_int_equal(a->tags.n, 3);
	assert_string_equal(a->tags.v[0], "z");
	assert_string_equal(a->tags.v[2], "w");
	/* maps: normalised names, sorted, looked up */
	assert_int_equal(a->owners.n, 2);
	assert_string_equal(a->owners.v[0].key, "a.x");
	assert_int_equal(a->owners.v[0].line, 21);
	assert_string_equal(cs_conf_map_get(&a->owners, "b.x"), "bob");
	assert_null(cs_conf_map_get(&a->owners, "b"));
	assert_null(cs_conf_map_get(NULL, "b"));
	assert_int_equal(((const t_sub *)cs_conf_get(c, &t_sub_section))->n, 9);
	assert_true(cs_conf_enabled(c, &t_all_section));
	assert_string_equal(cs_conf_source(c), "t.ini");
	cs_conf_free(c);
	/* the other spellings */
	c = t_ok("[all]\non = 0\nmode = true\nwait = 250\nshare = 90%\nsize = 2G\ncount = 100\nopt =\nfile = /f\n"
	         "tags =\n");
	a = t_get(c);
	assert_false(a->on);
	assert_int_equal(a->mode, CS_ON);
	assert_true(a->wait_s == 250 && a->share == 0.9 && a->size == 2ull << 30 && a->count == 100 && isnan(a->opt));
	assert_int_equal(a->tags.n, 0);
	cs_conf_free(c);
}

static void test_value_errors(void **state)
{
	static const struct {
		const char *text, *err;
	} t[] = {
	    {"[all]\non = maybe\n", "t.ini:2: [all] on = 'maybe': expected true or false"},
	    {"[all]\nmode = sometimes\n", "t.ini:2: [all] mode = 'sometimes': expected auto, true or false"},
	    {"[all]\ncount = 4\n", "t.ini:2: [all] count = '4': expected a number from 5 to 100, or 0"},
	    {"[all]\ncount = -1\n", "t.ini:2: [all] count = '-1': expected a number from 5 to 100, or 0"},
	    {"[all]\ncount = 1e1\n", "t.ini:2: [all] count = '1e1': expected a number from 5 to 100, or 0"},
	    {"[all]\nsize = 4095\n",
	     "t.ini:2: [all] size = '4095': expected a size in bytes (K, M, G, T suffixes) from 4K to 4G"},
	    {"[all]\nsize = 5T\n",
	     "t.ini:2: [all] size = '5T': expected a size in bytes (K, M, G, T suffixes) from 4K to 4G"},
	    {"[all]\nsize = 5P\n",
	     "t.ini:2: [all] size = '5P': expected a size in bytes (K, M, G, T suffixes) from 4K to 4G"},
	    {"[all]\nsize = 99999999999999999999G\n", "t.ini:2: [all] size = '99999999999999999999G': expected a size "
	                                              "in bytes (K, M, G, T suffixes) from 4K to 4G"},
	    {"[all]\nratio = 0\n", "t.ini:2: [all] ratio = '0': expected a ratio from 1 to 3"},
	    {"[all]\nratio = nan\n", "t.ini:2: [all] ratio = 'nan': expected a ratio from 1 to 3"},
	    {"[all]\nopt = 2\n", "t.ini:2: [all] opt = '2': expected a number from -1 to 1"},
	    {"[all]\nwait = 0\n", "t.ini:2: [all] wait = '0': expected a duration from 100ms to 1d (\"5s\", \"500ms\", "
	                          "\"1m\"; a bare number "
	                          "is seconds)"},
	    {"[all]\nwait = 5 s\n",
	     "t.ini:2: [all] wait = '5 s': expected a duration from 100ms to 1d (\"5s\", \"500ms\", \"1m\"; a bare "
	     "number is seconds)"},
	    {"[all]\nshare = 95%\n", "t.ini:2: [all] share = '95%': expected a percentage from 10% to 90%"},
	    {"[all]\nname = a_b\n", "t.ini:2: [all] name = 'a_b': expected a name (letters, -)"},
	    {"[all]\nname = 0123456789abcdef\n", "t.ini:2: [all] name = '0123456789abcdef': longer than 15 characters"},
	    {"[all]\nword = box\n", "t.ini:2: [all] word = 'box': 'box' has an x"},
	    {"[all]\nword = a\tb\n", "t.ini:2: [all] word = 'a\tb': control characters are not allowed"},
	    {"[all]\nsecret = two words\n",
	     "t.ini:2: [all] secret: bad value (not shown): expected a key without blanks"},
	    {"[all]\nurl = ftp://h/x\n", "t.ini:2: [all] url = 'ftp://h/x': expected an https:// (or http://) URL"},
	    {"[all]\nurl = https://\n", "t.ini:2: [all] url = 'https://': expected an https:// (or http://) URL"},
	    {"[all]\nurl = http://a b/\n",
	     "t.ini:2: [all] url = 'http://a b/': expected a URL without blanks or control characters"},
	    {"[all]\nurl = https://0123456789012345678901234567890123456789012345678901234567890123/\n",
	     "t.ini:2: [all] url = 'https://01234567890123456789012345678901234567890123456789012345': longer than 63 "
	     "characters"}, /* echoed up to 64 characters */
	    {"[all]\naddr = :80\n", "t.ini:2: [all] addr = ':80': expected host:port or [v6]:port"},
	    {"[all]\nany = host\n", "t.ini:2: [all] any = 'host': expected host:port, [v6]:port or :port"},
	    {"[all]\nany = host:0\n", "t.ini:2: [all] any = 'host:0': expected host:port, [v6]:port or :port"},
	    {"[all]\ncolor = grey\n", "t.ini:2: [all] color = 'grey': expected red, green or blue"},
	    {"[all]\ncolor = Red\n", "t.ini:2: [all] color = 'Red': expected red, green or blue"},
	    {"[all]\ntags = a,b,c,d\n", "t.ini:2: [all] tags = 'a,b,c,d': at most 3 tags"},
	    {"[all]\ntags = a,,b\n",
	     "t.ini:2: [all] tags = 'a,,b': expected a comma-separated list of tags (at most 3)"},
	    {"[all]\ntags = a,x\n", "t.ini:2: [all] tags = 'a,x': 'x' has an x"},
	    {"[all]\ntags = a,b,a\n", "t.ini:2: [all] tags = 'a,b,a': 'a' listed twice"},
	    {"[all.owners]\n-a = bob\n", "t.ini:2: [all.owners] -a = 'bob': '-a' starts with '-'"},
	    {"[all.owners]\na = bob\na = ann\n", "t.ini:3: [all.owners] a = 'ann': already mapped on line 2"},
	    {"[all.owners]\na = xavier\n", "t.ini:2: [all.owners] a = 'xavier': 'xavier' has an x"},
	    {"[all.owners]\na =\n", "t.ini:2: [all.owners] a = '': expected an owner"},
	    {"[all.sub]\nn = 10\n", "t.ini:2: [all.sub] n = '10': expected a number from 0 to 9"},
	    /* structure */
	    {"[all]\nnope = 1\n",
	     "t.ini:2: unknown key 'nope' in [all]; known keys: on, mode, count, size, ratio, opt, wait, share, name, "
	     "word, secret, file, url, addr, any, color, tags"},
	    {"[all]\nowners = 1\n", "t.ini:2: unknown key 'owners' in [all]; known keys: on, mode, count, size, ratio, "
	                            "opt, wait, share, name, "
	                            "word, secret, file, url, addr, any, color, tags"},
	    {"[none]\n", "t.ini:1: unknown section [none]; known sections: all, all.owners, all.sub"},
	    {"[all.tags]\n", "t.ini:1: unknown section [all.tags]; known sections: all, all.owners, all.sub"},
	    {"[0123456789012345678901234567890123456789012345678901234567890123456789xx]\n",
	     "t.ini:1: unknown section (name too long)"},
	    {"count = 5\n", "t.ini:1: key 'count' outside any section; put it under a [section]"},
	    {"[all]\ncount = 5\n\ncount = 6\n", "t.ini:4: key 'count' in [all] given twice"},
	    {"[all]\njunk\n", "t.ini:2: syntax error: expected [section], key = value or a ; comment"},
	    {"[all\n", "t.ini:1: syntax error: expected [section], key = value or a ; comment"},
	    {"[all]\njunk\n[none]\n", "t.ini:2: syntax error: expected [section], key = value or a ; comment"},
	    /* after every layer */
	    {"[all]\non = true\n", "[all] enabled without file; set [all] file, CARBONSTAT_ALL_FILE or --file F"},
	    {"[all]\ncount = 13\n", "[all] count 13 is unlucky"},
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++)
		t_fails(t[i].text, t[i].err);
}

/* Lines past libinih's 200-byte buffer, up to the limit; NUL bytes; BOM. */
static void test_lines(void **state)
{
	char text[CS_CONF_LINE_MAX + 200], err[512];
	cs_conf *c;
	size_t n;

	(void)state;
	/* a value just under and just over libinih's buffer reads the same */
	for (size_t len = 190; len <= 210; len++) {
		n = (size_t)snprintf(text, sizeof(text), "[all.owners]\nk = ");
		memset(text + n, 'v', len - 4);
		n += len - 4;
		n += (size_t)snprintf(text + n, sizeof(text) - n, "   ; comment\n");
		c = t_ok(text);
		assert_int_equal(strlen(t_get(c)->owners.v[0].value), len - 4);
		cs_conf_free(c);
	}
	/* the limit: 4096 characters, newline excluded; CRLF too */
	n = (size_t)snprintf(text, sizeof(text), "[all.owners]\nk = ");
	memset(text + n, 'v', CS_CONF_LINE_MAX - 4);
	n += CS_CONF_LINE_MAX - 4;
	memcpy(text + n, "\r\n", 3);
	c = t_ok(text);
	assert_int_equal(strlen(t_get(c)->owners.v[0].value), CS_CONF_LINE_MAX - 4);
	cs_conf_free(c);
	memcpy(text + n, "v\n", 3);
	t_fails(text, "t.ini:2: line longer than 4096 characters");
	/* a long line whose name is too long for libinih */
	memset(text, 'k', 300);
	memcpy(text + 300, " = v\n", 6);
	{
		char full[sizeof(text) + 16];

		snprintf(full, sizeof(full), "[all.owners]\n%s", text);
		t_fails(full, "t.ini:2: key longer than 197 characters");
	}
	/* a long [section] line with a comment, a long comment */
	n = (size_t)snprintf(text, sizeof(text), "[all.sub]   ; ");
	memset(text + n, 'c', 300);
	n += 300;
	n += (size_t)snprintf(text + n, sizeof(text) - n, "\n#");
	memset(text + n, 'c', 300);
	n += 300;
	snprintf(text + n, sizeof(text) - n, "\nn = 3\n");
	c = t_ok(text);
	assert_int_equal(((const t_sub *)cs_conf_get(c, &t_sub_section))->n, 3);
	cs_conf_free(c);
	/* NUL, and a BOM */
	{
		cs_conf_layers l = {.text = "[all]\nname = a\0b\n", .text_len = 17, .text_name = "nul.ini"};

		assert_int_equal(cs_conf_build(t_secs, 2, &l, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "nul.ini:2: NUL byte: not a text file");
	}
	c = t_ok("\xEF\xBB\xBF[all.sub]\nn = 4");
	assert_int_equal(((const t_sub *)cs_conf_get(c, &t_sub_section))->n, 4);
	cs_conf_free(c);
}

static void test_files(void **state)
{
	char dir[] = "/tmp/cs_test_conf.XXXXXX", path[128], cwd[512], want[700], err[512];
	cs_conf_layers l = {0};
	cs_conf *c = NULL;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/c.ini", dir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("[all]\nfile = sub/x.log\nword = w\n", f);
	fclose(f);
	l.path = path;
	assert_int_equal(cs_conf_build(t_secs, 2, &l, &c, err, sizeof(err)), 0);
	snprintf(want, sizeof(want), "%s/sub/x.log", dir);
	assert_string_equal(t_get(c)->file, want); /* relative to the file */
	assert_string_equal(cs_conf_source(c), path);
	cs_conf_free(c);
	/* a relative file name: still relative to the file's directory */
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	assert_int_equal(chdir("/tmp"), 0);
	l.path = path + 5; /* "cs_test_conf.XXXXXX/c.ini" */
	assert_int_equal(cs_conf_build(t_secs, 2, &l, &c, err, sizeof(err)), 0);
	assert_string_equal(t_get(c)->file, want);
	cs_conf_free(c);
	assert_int_equal(chdir(cwd), 0);
	/* unreadable, not a file, too large */
	snprintf(want, sizeof(want), "%s/absent.ini", dir);
	l.path = want;
	assert_int_equal(cs_conf_build(t_secs, 2, &l, &c, err, sizeof(err)), -ENOENT);
	assert_non_null(
	    strstr(err, "absent.ini: cannot read the config file: No such file or directory; check the path"));
	l.path = dir;
	assert_int_equal(cs_conf_build(t_secs, 2, &l, &c, err, sizeof(err)), CS_EINVAL);
	assert_non_null(strstr(err, "not a regular file of at most 1048576 bytes"));
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(ftruncate(fileno(f), CS_CONF_FILE_MAX + 1), 0);
	fclose(f);
	l.path = path;
	assert_int_equal(cs_conf_build(t_secs, 2, &l, &c, err, sizeof(err)), CS_ERANGE);
	assert_null(c);
	unlink(path);
	rmdir(dir);
}

static void test_layers(void **state)
{
	char *env[] = {"HOME=/root",
	               "CARBONSTAT_ALL_COUNT=20",
	               "CARBONSTAT_ALL_SUB_N=7", /* the longest section name wins */
	               "CARBONSTAT_ALL_FILE=rel/f",
	               "CARBONSTAT_CONFIG=/etc/x.ini",
	               "CARBONSTAT_ALL_SERVICE_HOST=10.0.0.1",
	               "CARBONSTAT_PORT_8080_TCP_PROTO=tcp",
	               "CARBONSTAT_SERVICE_PORT=80",
	               "CARBONSTAT_X_PORT=tcp://1.2.3.4:80",
	               "CARBONSTAT_NOEQUALS",
	               NULL};
	cs_conf_arg args[] = {{&t_all_section, &t_flags[0], "30"},
	                      {&t_all_section, &t_flags[2], NULL},
	                      {&t_all_section, &t_flags[1], "/abs/f"}};
	char cwd[512], want[600], err[512];
	const t_all *a;
	cs_conf *c;

	(void)state;
	assert_non_null(getcwd(cwd, sizeof(cwd)));
	/* file < environment */
	assert_int_equal(t_build("[all]\ncount = 5\nratio = 2\n", env, NULL, 0, &c, err, sizeof(err)), 0);
	a = t_get(c);
	assert_int_equal(a->count, 20);
	assert_true(a->ratio == 2);
	assert_int_equal(((const t_sub *)cs_conf_get(c, &t_sub_section))->n, 7);
	snprintf(want, sizeof(want), "%s/rel/f", cwd);
	assert_string_equal(a->file, want); /* a variable: the working directory */
	cs_conf_free(c);
	/* < flags; --file turns the section on; --off after it is a contradiction */
	assert_int_equal(t_build("[all]\ncount = 5\n", env, args, 1, &c, err, sizeof(err)), 0);
	assert_int_equal(t_get(c)->count, 30);
	cs_conf_free(c);
	assert_int_equal(t_build(NULL, NULL, &args[2], 1, &c, err, sizeof(err)), 0);
	assert_true(t_get(c)->on);
	assert_string_equal(t_get(c)->file, "/abs/f");
	cs_conf_free(c);
	assert_int_equal(t_build(NULL, NULL, &args[1], 2, &c, err, sizeof(err)), CS_EINVAL);
	assert_string_equal(err, "--off and --file contradict each other; give one");
	/* the same flag twice: the same value is fine, another is not */
	{
		cs_conf_arg twice[] = {args[0], args[0]};

		assert_int_equal(t_build(NULL, NULL, twice, 2, &c, err, sizeof(err)), 0);
		cs_conf_free(c);
		twice[1].value = "31";
		assert_int_equal(t_build(NULL, NULL, twice, 2, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "--count given twice with different values; give it once");
	}
	/* the checks run once every layer is in */
	{
		char *e13[] = {"CARBONSTAT_ALL_COUNT=13", NULL};
		cs_conf_arg a14 = {&t_all_section, &t_flags[0], "14"};

		assert_int_equal(t_build(NULL, e13, NULL, 0, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "[all] count 13 is unlucky");
		assert_int_equal(t_build(NULL, e13, &a14, 1, &c, err, sizeof(err)), 0);
		assert_int_equal(t_get(c)->checked, 1);
		cs_conf_free(c);
	}
}

static void test_layer_errors(void **state)
{
	static const struct {
		const char *env;
		int flag;
		const char *value, *err;
	} t[] = {
	    {"CARBONSTAT_ALL_COUNT=4", -1, NULL,
	     "environment CARBONSTAT_ALL_COUNT='4': expected a number from 5 to 100, or 0"},
	    {"CARBONSTAT_ALL_SECRET=a b", -1, NULL,
	     "environment CARBONSTAT_ALL_SECRET: bad value (not shown): expected a "
	     "key without blanks"},
	    {"CARBONSTAT_ALL_NOPE=1", -1, NULL,
	     "environment CARBONSTAT_ALL_NOPE: unknown key 'nope' in [all]; known keys: on, mode, count, size, ratio, "
	     "opt, wait, share, name, word, secret, file, url, addr, any, color, tags"},
	    {"CARBONSTAT_ALL_OWNERS=1", -1, NULL,
	     "environment CARBONSTAT_ALL_OWNERS: unknown key 'owners' in [all]; known keys: on, mode, count, size, "
	     "ratio, opt, wait, share, name, word, secret, file, url, addr, any, color, tags"},
	    {"CARBONSTAT_OTHER_X=1", -1, NULL,
	     "environment CARBONSTAT_OTHER_X: unknown setting; use CARBONSTAT_<SECTION>_<KEY> for a config key (e.g. "
	     "CARBONSTAT_AGENT_INTERVAL) or unset it"},
	    {"CARBONSTAT_ALL=1", -1, NULL,
	     "environment CARBONSTAT_ALL: unknown setting; use CARBONSTAT_<SECTION>_<KEY> for a config key (e.g. "
	     "CARBONSTAT_AGENT_INTERVAL) or unset it"},
	    {"CARBONSTAT_ALL_WORD=a ;b", -1, NULL,
	     "environment CARBONSTAT_ALL_WORD='a ;b': \" ;\" starts a comment in the file; remove the blank"},
	    {"CARBONSTAT_ALL_WORD= a", -1, NULL,
	     "environment CARBONSTAT_ALL_WORD=' a': leading or trailing blanks are not allowed"},
	    {NULL, 0, "-1", "--count '-1': expected a number from 5 to 100, or 0"},
	    {NULL, 3, "a b", "--secret: bad value (not shown): expected a key without blanks"},
	    {NULL, 4, "a_b", "--a-very-long-flag-name 'a_b': expected a name (letters, -)"},
	    {NULL, 0, NULL, "--count: needs a value"},
	};
	cs_conf *c;
	char err[512];

	(void)state;
	for (size_t i = 0; i < ARRAY_LEN(t); i++) {
		char *env[] = {(char *)t[i].env, NULL};
		cs_conf_arg a = {&t_all_section, t[i].flag >= 0 ? &t_flags[t[i].flag] : NULL, t[i].value};

		err[0] = '\0';
		assert_int_equal(t_build(NULL, t[i].env ? env : NULL, &a, t[i].flag >= 0, &c, err, sizeof(err)),
		                 CS_EINVAL);
		if (strcmp(err, t[i].err) != 0)
			fail_msg("case %zu:\n got  '%s'\n want '%s'", i, err, t[i].err);
		assert_null(strstr(err, "a b"));
	}
	/* a flag of a section the configuration lacks */
	{
		static const cs_conf_section *only_sub[] = {&t_sub_section};
		cs_conf_arg a = {&t_all_section, &t_flags[0], "5"};
		cs_conf_layers l = {.args = &a, .nargs = 1};

		assert_int_equal(cs_conf_build(only_sub, 1, &l, &c, err, sizeof(err)), CS_EINVAL);
		assert_string_equal(err, "--count: not a flag of this command");
	}
	assert_int_equal(cs_conf_build(t_secs, 2, NULL, NULL, err, sizeof(err)), CS_EINVAL);
}

/* Tables that cannot work are refused whole, naming the row. */
static void test_table_bugs(void **state)
{
	static const cs_conf_key bad_def[] = {{"n", CS_CONF_UINT, CS_CONF_AT(t_sub, n), .def = "x", .max = 9}};
	static const cs_conf_key bad_size[] = {{"n", CS_CONF_DOUBLE, CS_CONF_AT(t_sub, n), .def = NULL}};
	static const cs_conf_key ok_key[] = {{"n", CS_CONF_UINT, CS_CONF_AT(t_sub, n), .max = 9}};
	static const cs_conf_flag bad_flag[] = {{"f", NULL, "nope", "1", false, NULL}};
	static const cs_conf_flag bad_enable[] = {{"f", "X", "n", NULL, true, NULL}};
	static const cs_conf_section s1 = {"s", sizeof(t_sub), CS_CONF_KEYS(bad_def)};
	static const cs_conf_section s2 = {"s", sizeof(t_sub), CS_CONF_KEYS(bad_size)};
	static const cs_conf_section s3 = {"s", sizeof(t_sub), CS_CONF_KEYS(ok_key), CS_CONF_FLAGS(bad_flag)};
	static const cs_conf_section s4 = {"s", sizeof(t_sub), CS_CONF_KEYS(ok_key), CS_CONF_FLAGS(bad_enable)};
	const cs_conf_section *secs[1];
	cs_conf *c = NULL;
	char err[256];

	(void)state;
	secs[0] = &s1;
	assert_int_equal(cs_conf_build(secs, 1, NULL, &c, err, sizeof(err)), CS_EINVAL);
	assert_string_equal(err, "[s] n: the default 'x' is refused: expected a number from 0 to 9");
	secs[0] = &s2;
	assert_int_equal(cs_conf_build(secs, 1, NULL, &c, err, sizeof(err)), CS_EINVAL);
	assert_string_equal(err, "[s] n: the row does not fit its field (a table bug)");
	secs[0] = &s3;
	assert_int_equal(cs_conf_build(secs, 1, NULL, &c, err, sizeof(err)), CS_EINVAL);
	assert_string_equal(err, "[s] --f: no such key or value (a table bug)");
	secs[0] = &s4;
	assert_int_equal(cs_conf_build(secs, 1, NULL, &c, err, sizeof(err)), CS_EINVAL);
	assert_null(c);
	/* no sections at all: an empty configuration */
	assert_int_equal(cs_conf_build(NULL, 0, NULL, &c, err, sizeof(err)), 0);
	cs_conf_free(c);
}

/* The dump reads back to the same values, secrets and unset keys as comments. */
static void test_dump(void **state)
{
	static const char ini[] = "[all]\non = true\nmode = on\ncount = 0\nsize = 4100\nratio = 1.1\n"
	                          "wait = 0.25\nshare = 33.3%\nname = x-y\nword = w\nsecret = s3cr3t\nfile = /f\n"
	                          "any = [::1]:9\ncolor = green\ntags = p, q\n[all.owners]\nz = zed\nm = em\n";
	cs_conf *c = t_ok(ini), *d;
	char *text, *again;
	const t_all *a, *b;

	(void)state;
	text = t_dump(c);
	assert_non_null(strstr(text, "; effective configuration (defaults < t.ini < environment < flags)\n"));
	assert_non_null(strstr(text, "\n[all]\non = true\nmode = true\ncount = 0\nsize = 4100\nratio = 1.1\n"
	                             "; opt = (unset)\nwait = 250ms\nshare = 33.3%\nname = x-y\nword = w\n"
	                             "; secret = <set, hidden>\nfile = /f\n; url = (unset)\naddr = 127.0.0.1:1\n"
	                             "any = [::1]:9\ncolor = green\ntags = p, q\n\n[all.owners]\nm.x = em\nz.x = zed\n"
	                             "\n[all.sub]\nn = 1\n"));
	assert_null(strstr(text, "s3cr3t"));
	/* read back with the secret given again: the same configuration */
	{
		cs_conf_layers l = {.text = text, .text_len = strlen(text), .text_name = "dump"};
		cs_conf_arg s = {&t_all_section, &t_flags[3], "s3cr3t"};

		l.args = &s;
		l.nargs = 1;
		assert_int_equal(cs_conf_build(t_secs, 2, &l, &d, NULL, 0), 0);
		assert_true(cs_conf_same(c, d, &t_all_section));
		cs_conf_free(d);
	}
	cs_conf_free(c);
	free(text);
	/* numbers read back exactly */
	c = t_ok(
	    "[all]\nsize = 3G\nwait = 1.5s\nratio = 2.0000001\nopt = 0.1\nshare = 10%\ntags = a\n[all.sub]\nn = 0\n");
	text = t_dump(c);
	d = t_ok(text);
	again = t_dump(d);
	a = t_get(c);
	b = t_get(d);
	assert_true(a->size == b->size && a->wait_s == b->wait_s && a->ratio == b->ratio && a->opt == b->opt &&
	            a->share == b->share);
	assert_string_equal(strchr(text, '\n'), strchr(again, '\n'));
	assert_non_null(strstr(text, "size = 3G\n"));
	assert_non_null(strstr(text, "wait = 1500ms\n"));
	assert_non_null(strstr(text, "ratio = 2.0000001\n"));
	assert_non_null(strstr(text, "share = 10%\n"));
	assert_true(cs_conf_same(c, d, &t_all_section) && cs_conf_same(c, d, &t_sub_section));
	free(text);
	free(again);
	cs_conf_free(c);
	cs_conf_free(d);
	/* a key emptied against its default is written empty, not as a comment */
	c = t_ok("[all]\ntags =\nname =\n");
	text = t_dump(c);
	assert_non_null(strstr(text, "\nname =\n"));
	assert_non_null(strstr(text, "\ntags =\n"));
	assert_non_null(strstr(text, "\n; word = (unset)\n"));
	d = t_ok(text);
	assert_true(cs_conf_same(c, d, &t_all_section));
	free(text);
	cs_conf_free(c);
	cs_conf_free(d);
}

static void test_copy_compare(void **state)
{
	cs_conf *a = t_ok("[all]\ntags = a, b\nword = w1\n[all.owners]\nk = v\n");
	cs_conf *b = t_ok("[all]\ntags = a, c\nword = w1\n[all.owners]\nk = v\n");
	cs_conf *d = NULL;

	(void)state;
	assert_int_equal(cs_conf_dup(a, &d), 0);
	assert_true(cs_conf_same(a, d, &t_all_section));
	assert_true(t_get(a)->tags.v != t_get(d)->tags.v); /* deep */
	assert_string_equal(cs_conf_map_get(&t_get(d)->owners, "k.x"), "v");
	assert_false(cs_conf_same(a, b, &t_all_section));
	assert_true(cs_conf_same(a, b, &t_sub_section));
	assert_int_equal(cs_conf_keep(b, a, &t_all_section), 0);
	assert_true(cs_conf_same(a, b, &t_all_section));
	assert_int_equal(cs_conf_keep(b, a, (const cs_conf_section *)&t_keys), CS_EINVAL);
	cs_conf_free(b);
	/* differences each kind of field makes */
	b = t_ok("[all]\ntags = a, b\nword = w2\n[all.owners]\nk = v\n");
	assert_false(cs_conf_same(a, b, &t_all_section));
	cs_conf_free(b);
	b = t_ok("[all]\ntags = a, b, c\nword = w1\n[all.owners]\nk = v\n");
	assert_false(cs_conf_same(a, b, &t_all_section));
	cs_conf_free(b);
	b = t_ok("[all]\ntags = a, b\nword = w1\n[all.owners]\nk = w\n");
	assert_false(cs_conf_same(a, b, &t_all_section));
	cs_conf_free(b);
	b = t_ok("[all]\ntags = a, b\nword = w1\n[all.owners]\nk = v\nl = v\n");
	assert_false(cs_conf_same(a, b, &t_all_section));
	cs_conf_free(b);
	assert_true(cs_conf_same(NULL, NULL, &t_all_section));
	assert_false(cs_conf_same(a, NULL, &t_all_section));
	cs_conf_free(a);
	cs_conf_free(d);
	cs_conf_free(NULL);
}

static char *t_capture(void (*fn)(const cs_conf_section *const *, size_t, FILE *))
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	assert_non_null(f);
	fn(t_secs, ARRAY_LEN(t_secs), f);
	fclose(f);
	return buf;
}

static void test_help_and_reference(void **state)
{
	char *h = t_capture(cs_conf_help), *r = t_capture(cs_conf_reference);

	(void)state;
	assert_string_equal(h, "  --count N            the count\n"
	                       "  --file F             file\n"
	                       "  --off                turn it off\n"
	                       "  --secret S           a secret\n"
	                       "                       over two lines\n"
	                       "  --a-very-long-flag-name ARG\n"
	                       "                       long\n");
	assert_non_null(strstr(r, "#### `[all]`\n\n| key | value | default | flag | meaning |\n|---|---|---|---|---|\n"
	                          "| `on` | true or false | `false` | `--file F`, `--off` | switch |\n"));
	assert_non_null(strstr(r, "| `count` | a number from 5 to 100, or 0 | `10` | `--count N` | count |\n"));
	assert_non_null(strstr(r, "| `secret` | a key (secret) | (unset) | `--secret S` | secret |\n"));
	assert_non_null(strstr(r, "| `file` | a file path (required) | (unset) | `--file F` | file |\n"));
	assert_non_null(strstr(r, "| `color` | red, green or blue | `red` |  | color |\n"));
	assert_non_null(
	    strstr(r, "\n`[all.owners]`: who owns what; one `name = value` line each, the value an owner.\n"));
	assert_non_null(strstr(r, "#### `[all.sub]`\n"));
	free(h);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_defaults),
	    cmocka_unit_test(test_every_type),
	    cmocka_unit_test(test_value_errors),
	    cmocka_unit_test(test_lines),
	    cmocka_unit_test(test_files),
	    cmocka_unit_test(test_layers),
	    cmocka_unit_test(test_layer_errors),
	    cmocka_unit_test(test_table_bugs),
	    cmocka_unit_test(test_dump),
	    cmocka_unit_test(test_copy_compare),
	    cmocka_unit_test(test_help_and_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
