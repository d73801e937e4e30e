/* test_billing_csv.c - the bill scanner, sources and exact money.
 *
 * Every edge case the issue names, on inputs written here: quoted commas
 * and newlines, "" escapes, BOM, CRLF, an empty file, a header alone, a
 * record with no final newline, a stray quote, text after a closing quote
 * (reported and skipped), an unclosed quote (fatal), records longer than the
 * scanner's buffer, gzip (one member, several, truncated) and the file:line
 * numbers a report gives.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "billing/csv.h"
#include "billing/money.h"
#include "billing/source.h"

#define FIX CS_FIXTURES_DIR "/billing/"

typedef struct scan {
	cs_bill_src *src;
	cs_csv *csv;
	char why[512];
} scan;

static void scan_open(scan *s, const char *text, size_t n)
{
	memset(s, 0, sizeof *s);
	assert_int_equal(cs_bill_src_open_mem(text, n, "mem.csv", &s->src, s->why, sizeof s->why), 0);
	assert_int_equal(cs_csv_new(s->src, &s->csv), 0);
}

static void scan_close(scan *s)
{
	cs_csv_free(s->csv);
	cs_bill_src_free(s->src);
}

static void test_quoting(void **state)
{
	static const char text[] = "a,b,c\n"
	                           "1,\"x, y\",3\n"
	                           "2,\"two\nlines and \"\"q\"\"\",4\n"
	                           "3,\"\",\"\"\"\"\n"
	                           "4,a \"stray\" quote,5";
	scan s;
	cs_csv_rec r;
	(void)state;

	scan_open(&s, text, sizeof text - 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.nf, 3);
	assert_int_equal(r.line, 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[1], "x, y");
	assert_int_equal(r.quoted[1], 1);
	assert_int_equal(r.line, 2);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[1], "two\nlines and \"q\"");
	assert_int_equal(r.n[1], strlen("two\nlines and \"q\""));
	assert_int_equal(r.line, 3);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	/* the quoted newline counted: this record starts on line 5 */
	assert_int_equal(r.line, 5);
	assert_string_equal(r.f[1], "");
	assert_string_equal(r.f[2], "\"");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[1], "a \"stray\" quote");
	assert_string_equal(r.f[2], "5"); /* last record, no newline */
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 0);
	scan_close(&s);
}

static void test_bom_crlf(void **state)
{
	static const char text[] = "\xEF\xBB\xBFh1,h2\r\n\"v1\",v2\r\nv3,\"v4\"\r\n";
	scan s;
	cs_csv_rec r;
	(void)state;

	scan_open(&s, text, sizeof text - 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[0], "h1");
	assert_string_equal(r.f[1], "h2");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[0], "v1");
	assert_string_equal(r.f[1], "v2");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[1], "v4");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 0);
	scan_close(&s);
}

static void test_empty_and_header_only(void **state)
{
	scan s;
	cs_csv_rec r;
	(void)state;

	scan_open(&s, "", 0);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 0);
	scan_close(&s);
	scan_open(&s, "a,b\n", 4);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 0);
	scan_close(&s);
	/* a blank line is one empty field */
	scan_open(&s, "a\n\nb\n", 5);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.nf, 1);
	assert_int_equal(r.n[0], 0);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[0], "b");
	assert_int_equal(r.line, 3);
	scan_close(&s);
}

static void test_bad_quotes(void **state)
{
	static const char after[] = "a,b\n\"x\"y,1\nok,2\n";
	static const char open_q[] = "a,b\nok,1\n\"never closed,2\n";
	scan s;
	cs_csv_rec r;
	(void)state;

	scan_open(&s, after, sizeof after - 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), CS_EINVAL);
	assert_non_null(strstr(s.why, "mem.csv:2:"));
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_string_equal(r.f[0], "ok");
	assert_int_equal(r.line, 3);
	scan_close(&s);

	scan_open(&s, open_q, sizeof open_q - 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), CS_ERANGE);
	assert_non_null(strstr(s.why, "mem.csv:3: a quoted field is never closed"));
	scan_close(&s);
}

/* Records longer than the 1 MiB buffer, and "" pairs across 64-byte blocks. */
static void test_long_records(void **state)
{
	size_t big = 3u << 20, n = 0;
	char *t = malloc(big + 1000);
	scan s;
	cs_csv_rec r;
	(void)state;

	n += (size_t)sprintf(t, "h1,h2\n\"");
	for (size_t i = 0; i < big; i++)
		t[n++] = (i % 61 == 60) ? ',' : 'x';
	n += (size_t)sprintf(t + n, "\",2\n");
	/* a quote pair straddling the 64-byte boundary of the scan */
	n += (size_t)sprintf(t + n, "\"");
	for (int i = 0; i < 62; i++)
		t[n++] = 'y';
	n += (size_t)sprintf(t + n, "\"\"z\",3\n");
	scan_open(&s, t, n);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.nf, 2);
	assert_int_equal(r.n[0], big);
	assert_string_equal(r.f[1], "2");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.n[0], 64);
	assert_int_equal(r.f[0][62], '"');
	assert_int_equal(r.f[0][63], 'z');
	assert_string_equal(r.f[1], "3");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 0);
	scan_close(&s);
	free(t);
}

/* cs_csv_want: a scanner that keeps some columns returns, for every record,
 * the same result, field count, line and wanted text as one that keeps all,
 * over wide rows with quoted cells (commas, newlines, "") in kept and
 * skipped columns, a short record, a blank line, text after a closing
 * quote and a record longer than the buffer. */
static void test_want(void **state)
{
	static const int cols[] = {3, 17, 40, 41, 88, 200};
	size_t cap = 8u << 20, n = 0;
	char *t = malloc(cap);
	unsigned seed = 12345;
	scan all, some;
	cs_csv_rec r, q;
	int rc, rc2, recs = 0;
	(void)state;

	for (int row = 0; row < 400; row++) {
		int ncol = row == 7 ? 30 : 90;

		if (row == 9) {
			t[n++] = '\n'; /* blank */
			continue;
		}
		for (int col = 0; col < ncol; col++) {
			seed = seed * 1103515245u + 12345u;
			unsigned k = (seed >> 16) % 10;

			if (col)
				t[n++] = ',';
			if (row == 11 && col == 20)
				n += (size_t)sprintf(t + n, "\"ab\"c"); /* malformed */
			else if (row == 13 && (col == 5 || col == 41))
				for (size_t i = 0; i < (1u << 20) + 77; i++)
					t[n++] = (char)('a' + i % 26);
			else if (k == 0)
				n += (size_t)sprintf(t + n, "\"q,%d\n\"\"x\"\"\"", col);
			else if (k == 1)
				n += (size_t)sprintf(t + n, "\"p%d\"", row);
			else if (k > 2)
				n += (size_t)sprintf(t + n, "v%d_%d", row, col);
		}
		n += (size_t)sprintf(t + n, row % 3 ? "\n" : "\r\n");
		assert_true(n < cap - (2u << 20));
	}
	scan_open(&all, t, n);
	scan_open(&some, t, n);
	assert_int_equal(cs_csv_want(some.csv, cols, sizeof cols / sizeof cols[0]), 0);
	while ((rc = cs_csv_next(all.csv, &r, all.why, sizeof all.why)) != 0) {
		rc2 = cs_csv_next(some.csv, &q, some.why, sizeof some.why);
		assert_int_equal(rc, rc2);
		if (rc < 0) {
			assert_string_equal(all.why, some.why);
			continue;
		}
		recs++;
		assert_int_equal(q.nf, r.nf);
		assert_int_equal(q.line, r.line);
		for (size_t i = 0; i < r.nf; i++) {
			bool kept = i == 0;

			for (size_t k = 0; k < sizeof cols / sizeof cols[0]; k++)
				kept |= (size_t)cols[k] == i;
			if (kept) {
				assert_int_equal(q.n[i], r.n[i]);
				assert_memory_equal(q.f[i], r.f[i], r.n[i]);
				assert_int_equal(q.f[i][q.n[i]], '\0');
				assert_int_equal(q.quoted[i], r.quoted[i]);
			} else {
				assert_int_equal(q.n[i], 0);
				assert_string_equal(q.f[i], "");
			}
		}
	}
	assert_int_equal(cs_csv_next(some.csv, &q, some.why, sizeof some.why), 0);
	assert_int_equal(recs, 399);
	scan_close(&all);
	scan_close(&some);
	free(t);
}

/* Records wider than the first 256 fields (the per-field arrays grow twice),
 * and cs_csv_want called again with more columns (its tables grow): every
 * field reads right, the ones no longer wanted as "". */
static void test_wide_and_want_again(void **state)
{
	static const int first[] = {5}, again[] = {5, 300, 999};
	size_t cap = 16u << 10, n = 0;
	char *t = malloc(cap);
	scan s;
	cs_csv_rec r;
	char want[24];
	(void)state;

	for (int row = 0; row < 3; row++)
		for (int col = 0; col < 1000; col++)
			n += (size_t)snprintf(t + n, cap - n, "%d%c", row * 1000 + col, col == 999 ? '\n' : ',');
	scan_open(&s, t, n);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.nf, 1000);
	for (size_t i = 0; i < r.nf; i++) {
		snprintf(want, sizeof want, "%zu", i);
		assert_string_equal(r.f[i], want);
	}
	assert_int_equal(cs_csv_want(s.csv, first, 1), 0);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.nf, 1000);
	assert_string_equal(r.f[5], "1005");
	assert_string_equal(r.f[300], "");
	assert_int_equal(cs_csv_want(s.csv, again, 3), 0);
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 1);
	assert_int_equal(r.nf, 1000);
	assert_string_equal(r.f[0], "2000");
	assert_string_equal(r.f[5], "2005");
	assert_string_equal(r.f[6], "");
	assert_string_equal(r.f[300], "2300");
	assert_string_equal(r.f[999], "2999");
	assert_int_equal(cs_csv_next(s.csv, &r, s.why, sizeof s.why), 0);
	scan_close(&s);
	free(t);
}

static int count_records(const char *path, char *why, size_t cap, size_t *n)
{
	cs_bill_src *src;
	cs_csv *c;
	cs_csv_rec r;
	int rc;

	*n = 0;
	if ((rc = cs_bill_src_open(path, &src, why, cap)))
		return rc;
	assert_int_equal(cs_csv_new(src, &c), 0);
	while ((rc = cs_csv_next(c, &r, why, cap)) > 0)
		(*n)++;
	cs_csv_free(c);
	cs_bill_src_free(src);
	return rc;
}

static void test_gzip(void **state)
{
	char why[512], path[] = "/tmp/cs_billing_multiXXXXXX";
	size_t n;
	FILE *f, *g;
	int fd;
	(void)state;

	assert_int_equal(count_records(FIX "cur_legacy.csv.gz", why, sizeof why, &n), 0);
	assert_int_equal(n, 13); /* header + 12 lines */
	assert_int_equal(count_records(FIX "truncated.csv.gz", why, sizeof why, &n), -EBADMSG);
	assert_non_null(strstr(why, "truncated.csv.gz: truncated gzip"));
	/* two gzip members one after the other, as concatenated exports are */
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "wb");
	for (int k = 0; k < 2; k++) {
		char buf[4096];
		size_t got;

		g = fopen(FIX "cur_legacy.csv.gz", "rb");
		assert_non_null(g);
		while ((got = fread(buf, 1, sizeof buf, g)) > 0)
			fwrite(buf, 1, got, f);
		fclose(g);
	}
	fclose(f);
	assert_int_equal(count_records(path, why, sizeof why, &n), 0);
	assert_int_equal(n, 26);
	unlink(path);
	assert_int_equal(count_records(FIX "no-such-file.csv", why, sizeof why, &n) < 0, 1);
	assert_non_null(strstr(why, "no-such-file.csv: cannot open"));
}

static cs_money m(const char *s)
{
	cs_money v;
	assert_int_equal(cs_money_parse(s, strlen(s), &v, NULL, NULL), 0);
	return v;
}

/* CRC-32 (gzip's), bit by bit: only for writing the test's gzip file. */
static uint32_t crc32_of(const unsigned char *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xedb88320u & (0u - (c & 1)));
	}
	return ~c;
}

/* Writes text as one gzip member of stored deflate blocks. */
static void write_gzip(const char *path, const char *text, size_t n)
{
	static const unsigned char hdr[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3};
	FILE *f = fopen(path, "wb");
	uint32_t crc = crc32_of((const unsigned char *)text, n), isize = (uint32_t)n;
	unsigned char t[8];

	assert_non_null(f);
	fwrite(hdr, 1, sizeof hdr, f);
	for (size_t off = 0; off < n || off == 0;) {
		size_t k = n - off > 65535 ? 65535 : n - off;
		unsigned char b[5] = {off + k == n, (unsigned char)k, (unsigned char)(k >> 8), (unsigned char)~k,
		                      (unsigned char)(~k >> 8)};

		fwrite(b, 1, sizeof b, f);
		fwrite(text + off, 1, k, f);
		off += k;
		if (!k)
			break;
	}
	for (int i = 0; i < 4; i++) {
		t[i] = (unsigned char)(crc >> (8 * i));
		t[4 + i] = (unsigned char)(isize >> (8 * i));
	}
	fwrite(t, 1, sizeof t, f);
	fclose(f);
}

/* A gzip file is scanned in the inflater's blocks, in place: records that
 * straddle blocks, records longer than the room in front of a block
 * (64 KiB) and than a block (1 MiB), a BOM, CRLF and quoted newlines, and a
 * last record without a newline give the same records as the same text
 * read from memory (copied into the scanner's buffer). */
static void test_gzip_blocks(void **state)
{
	size_t cap = 8u << 20, n = 0;
	char *t = malloc(cap), path[] = "/tmp/cs_billing_blocksXXXXXX";
	scan mem, gz;
	cs_csv_rec r, q;
	int rc, fd, recs = 0;
	(void)state;

	n += (size_t)sprintf(t, "\xEF\xBB\xBF"
	                        "a,b,c\r\n");
	for (int row = 0; n < (5u << 20); row++) {
		size_t len = row % 97 == 5 ? (70u << 10) + (size_t)row
		             : row == 300  ? (3u << 19)
		                           : 20 + (size_t)row % 90;

		n += (size_t)sprintf(t + n, "%d,\"", row);
		for (size_t i = 0; i < len; i++)
			t[n++] = i % 1000 == 999 ? '\n' : (char)('a' + (i + (size_t)row) % 26);
		n += (size_t)sprintf(t + n, "\"\"x\",%s", row % 2 ? "z\r\n" : "z\n");
	}
	n += (size_t)sprintf(t + n, "last,\"no\nnewline\",1");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	close(fd);
	write_gzip(path, t, n);
	scan_open(&mem, t, n);
	memset(&gz, 0, sizeof gz);
	assert_int_equal(cs_bill_src_open(path, &gz.src, gz.why, sizeof gz.why), 0);
	assert_true(cs_bill_src_gzip(gz.src));
	assert_int_equal(cs_csv_new(gz.src, &gz.csv), 0);
	while ((rc = cs_csv_next(mem.csv, &r, mem.why, sizeof mem.why)) != 0) {
		assert_int_equal(rc, 1);
		assert_int_equal(cs_csv_next(gz.csv, &q, gz.why, sizeof gz.why), 1);
		recs++;
		assert_int_equal(q.nf, r.nf);
		assert_int_equal(q.line, r.line);
		for (size_t i = 0; i < r.nf; i++) {
			assert_int_equal(q.n[i], r.n[i]);
			assert_memory_equal(q.f[i], r.f[i], r.n[i]);
			assert_int_equal(q.quoted[i], r.quoted[i]);
		}
	}
	assert_int_equal(cs_csv_next(gz.csv, &q, gz.why, sizeof gz.why), 0);
	assert_true(cs_csv_bytes(gz.csv) == cs_csv_bytes(mem.csv));
	assert_true(recs > 1000);
	scan_close(&mem);
	scan_close(&gz);
	unlink(path);
	free(t);
}

static void test_money(void **state)
{
	char buf[64];
	bool null, rounded;
	cs_money v;
	(void)state;

	assert_true(m("1") == CS_MONEY_ONE);
	assert_true(m("0.0000004000") == (cs_money)400000000000LL);
	assert_true(m("5.64902E-05") == (cs_money)56490200000000LL);
	assert_true(m("-12.5") == -(cs_money)125 * (CS_MONEY_ONE / 10));
	assert_true(m(".5") == CS_MONEY_ONE / 2);
	assert_true(m("+3.") == 3 * CS_MONEY_ONE);
	assert_true(m("1e2") == 100 * CS_MONEY_ONE);
	assert_int_equal(cs_money_parse("NULL", 4, &v, &null, NULL), 0);
	assert_true(null && v == 0);
	assert_int_equal(cs_money_parse("", 0, &v, &null, NULL), 0);
	assert_true(null);
	assert_int_equal(cs_money_parse("1.2.3", 5, &v, NULL, NULL), CS_EINVAL);
	assert_int_equal(cs_money_parse("abc", 3, &v, NULL, NULL), CS_EINVAL);
	assert_int_equal(cs_money_parse("1e", 2, &v, NULL, NULL), CS_EINVAL);
	assert_int_equal(cs_money_parse("1e30", 4, &v, NULL, NULL), CS_ERANGE);
	/* 19 decimals: rounded half-even at 1e-18, and said so */
	assert_int_equal(cs_money_parse("0.0000000000000000015", 21, &v, NULL, &rounded), 0);
	assert_true(rounded && v == 2);
	assert_int_equal(cs_money_parse("0.0000000000000000025", 21, &v, NULL, &rounded), 0);
	assert_true(rounded && v == 2);
	assert_int_equal(cs_money_parse("0.123456789012345678", 20, &v, NULL, &rounded), 0);
	assert_false(rounded);
	/* the edges of the u64 fast path (19 digits, 18 decimals) and past them */
	assert_true(m("9999999999999999999") == (cs_money)9999999999999999999ull * CS_MONEY_ONE);
	assert_true(m("99999999999999999999") ==
	            (cs_money)9999999999999999999ull * CS_MONEY_ONE * 10 + 9 * CS_MONEY_ONE);
	assert_true(m("-0.000000000000000001") == -1);
	assert_true(m("0000000000000000001.5") == 3 * CS_MONEY_ONE / 2);
	assert_true(m("1.000000000000000000") == CS_MONEY_ONE);
	assert_true(m("-0") == 0 && m("7.") == 7 * CS_MONEY_ONE);
	assert_int_equal(cs_money_parse(".", 1, &v, NULL, NULL), CS_EINVAL);
	assert_int_equal(cs_money_parse("-", 1, &v, NULL, NULL), CS_EINVAL);
	assert_int_equal(cs_money_parse("1..", 3, &v, NULL, NULL), CS_EINVAL);
	assert_int_equal(cs_money_parse("12a", 3, &v, NULL, NULL), CS_EINVAL);
	cs_money_format(m("-0.000000000000000001"), buf, sizeof buf);
	assert_string_equal(buf, "-0.000000000000000001");
	cs_money_format(m("156.7944833333"), buf, sizeof buf);
	assert_string_equal(buf, "156.7944833333");
	cs_money_format(0, buf, sizeof buf);
	assert_string_equal(buf, "0");
	/* exact where doubles are not: 0.1 + 0.2 */
	assert_true(m("0.1") + m("0.2") == m("0.3"));
	assert_true(0.1 + 0.2 != 0.3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quoting),
	    cmocka_unit_test(test_bom_crlf),
	    cmocka_unit_test(test_empty_and_header_only),
	    cmocka_unit_test(test_bad_quotes),
	    cmocka_unit_test(test_long_records),
	    cmocka_unit_test(test_gzip),
	    cmocka_unit_test(test_money),
	    cmocka_unit_test(test_want),
	    cmocka_unit_test(test_wide_and_want_again),
	    cmocka_unit_test(test_gzip_blocks),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
