/* bench/bench_billing_inflate.c - zlib vs ISA-L igzip on a bill .csv.gz.
 *
 *   bench_billing_inflate FILE.csv.gz [RUNS]
 *
 * Inflates the whole file into a 1 MiB buffer that is thrown away, RUNS
 * times (default 3) with each library, and prints min/median/max MB/s of
 * output. This is the measurement behind the build's choice of inflater
 * (CS_INFLATE, see CMakeLists.txt and docs/billing.md). The compressed file
 * is read into memory first so the disk is not what is measured.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>
#ifdef CS_BENCH_ISAL
#include <isa-l/igzip_lib.h>
#endif

#include "common.h"

#define OUT_CAP (1u << 20)

static unsigned char *slurp(const char *path, size_t *n)
{
	FILE *f = fopen(path, "rb");
	unsigned char *b;
	long sz;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	sz = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)sz);
	if (b && fread(b, 1, (size_t)sz, f) != (size_t)sz) {
		free(b);
		b = NULL;
	}
	fclose(f);
	*n = (size_t)sz;
	return b;
}

static double run_zlib(const unsigned char *in, size_t n, unsigned char *out)
{
	z_stream z;
	size_t total = 0;
	uint64_t t0 = bench_now_ns();

	memset(&z, 0, sizeof z);
	inflateInit2(&z, 16 + MAX_WBITS);
	z.next_in = (Bytef *)(uintptr_t)in;
	z.avail_in = (uInt)n;
	for (;;) {
		int rc;

		z.next_out = out;
		z.avail_out = OUT_CAP;
		rc = inflate(&z, Z_NO_FLUSH);
		total += OUT_CAP - z.avail_out;
		if (rc == Z_STREAM_END) {
			if (!z.avail_in)
				break;
			inflateReset(&z);
		} else if (rc != Z_OK) {
			fprintf(stderr, "zlib error %d\n", rc);
			exit(1);
		}
	}
	inflateEnd(&z);
	return (double)total / ((double)(bench_now_ns() - t0) / 1e9) / 1e6;
}

#ifdef CS_BENCH_ISAL
static double run_isal(const unsigned char *in, size_t n, unsigned char *out)
{
	static struct inflate_state st;
	size_t total = 0;
	uint64_t t0 = bench_now_ns();

	isal_inflate_init(&st);
	st.crc_flag = ISAL_GZIP;
	st.next_in = (uint8_t *)(uintptr_t)in;
	st.avail_in = (uint32_t)n;
	for (;;) {
		int rc;

		st.next_out = out;
		st.avail_out = OUT_CAP;
		rc = isal_inflate(&st);
		total += OUT_CAP - st.avail_out;
		if (rc < 0) {
			fprintf(stderr, "isa-l error %d\n", rc);
			exit(1);
		}
		if (st.block_state == ISAL_BLOCK_FINISH) {
			if (!st.avail_in)
				break;
			uint8_t *next = st.next_in;
			uint32_t left = st.avail_in;
			isal_inflate_reset(&st);
			st.crc_flag = ISAL_GZIP;
			st.next_in = next;
			st.avail_in = left;
		}
	}
	return (double)total / ((double)(bench_now_ns() - t0) / 1e9) / 1e6;
}
#endif

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

static void report(const char *name, double *v, int runs)
{
	qsort(v, (size_t)runs, sizeof *v, cmp_d);
	printf("%-12s MB/s of text out: min %.0f  median %.0f  max %.0f  (%d runs)\n", name, v[0], v[runs / 2],
	       v[runs - 1], runs);
}

int main(int argc, char **argv)
{
	size_t n;
	unsigned char *in, *out;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	double v[32];

	if (argc < 2 || runs < 1 || runs > 32) {
		fprintf(stderr, "usage: %s FILE.csv.gz [RUNS]\n", argv[0]);
		return 2;
	}
	in = slurp(argv[1], &n);
	out = malloc(OUT_CAP);
	if (!in || !out) {
		fprintf(stderr, "%s: cannot read\n", argv[1]);
		return 1;
	}
	for (int i = 0; i < runs; i++)
		v[i] = run_zlib(in, n, out);
	report("zlib", v, runs);
#ifdef CS_BENCH_ISAL
	for (int i = 0; i < runs; i++)
		v[i] = run_isal(in, n, out);
	report("isa-l igzip", v, runs);
#else
	puts("isa-l igzip  not built (libisal-dev missing)");
#endif
	free(in);
	free(out);
	return 0;
}
