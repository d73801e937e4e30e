/* fuzz_sysfs_counter.c - libFuzzer target for what the hardware sensors read
 * from sysfs: energy counters (RAPL energy_uj, amd_energy energyN_input),
 * amdgpu power, max_energy_range_uj, powercap zone names and amd_energy
 * labels, and the wraparound arithmetic behind them.
 *
 * The sensors run for real (init, several read() cycles, destroy) on a tiny
 * real-shaped sysfs tree made once in a temp directory; a cs_io_ops double
 * answers pread() on the targeted files with the fuzz input instead of the
 * file contents. Input layout:
 *   byte 0        mode (below, modulo the number of modes)
 *   bytes 1..     pieces separated by '|': piece k is what the targeted
 *                 counter file returns in cycle k (the last piece repeats);
 *                 in modes that fuzz an init-time file, piece 0 is that
 *                 file and the counters take pieces 1, 2, ...
 *                 A piece "!" + one byte b makes the read fail with
 *                 -(1 + b % 133), an errno, to drive the error paths.
 * Oracles (abort on violation): every channel's energy and power are finite
 * and >= 0; a failed channel reports 0 J; names are terminated; a wrapped
 * delta never exceeds the range.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "io/kfile.h"
#include "sensors/registry.h"
#include "sensors/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum fuzz_mode {
	MODE_RAPL_ENERGY,   /* energy_uj of every zone */
	MODE_RAPL_MAX,      /* max_energy_range_uj of intel-rapl:0 */
	MODE_RAPL_NAME,     /* name of intel-rapl:0 */
	MODE_AMD_LABEL,     /* energy1_label of the amd_energy device */
	MODE_AMD_ENERGY,    /* every energyN_input */
	MODE_AMDGPU_POWER,  /* power1_average */
	MODE_COUNTER_DELTA, /* cs_counter_delta on three raw u64 */
	MODE_COUNT
};

#define MAX_PIECES 6
#define MAX_FD     1024

/* Fuzzer state: one process, one input at a time. */
static struct {
	char root[64];         /* temp sysfs tree, made once */
	const char *init_file; /* suffix of the init-time file fuzzed, or NULL */
	const char *counter;   /* suffix of the counter files fuzzed */
	const uint8_t *piece[MAX_PIECES];
	size_t piece_len[MAX_PIECES];
	size_t npieces;
	size_t first_counter_piece; /* 0, or 1 when piece 0 is the init file */
	size_t cycle;               /* which piece the counters return now */
	bool fd_init[MAX_FD];       /* fd is the fuzzed init-time file */
	bool fd_counter[MAX_FD];    /* fd is a fuzzed counter */
} fz;

/* ---- the tree ------------------------------------------------------------------ */

static void put(const char *rel, const char *content)
{
	char p[256], dir[256];
	char *slash;
	FILE *f;

	snprintf(p, sizeof(p), "%s/%s", fz.root, rel);
	snprintf(dir, sizeof(dir), "%s", p);
	/* mkdir -p of the parent */
	for (slash = strchr(dir + strlen(fz.root) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(dir, 0755);
		*slash = '/';
	}
	f = fopen(p, "w");
	if (!f)
		abort();
	fputs(content, f);
	fclose(f);
}

static void rm_tree(const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;

	if (lstat(path, &st) != 0)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			char p[512];

			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			rm_tree(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void cleanup(void)
{
	if (fz.root[0])
		rm_tree(fz.root);
}

static void make_tree(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(fz.root, sizeof(fz.root), "%s/cs_fuzz_sysfs.XXXXXX", tmp && strlen(tmp) < 32 ? tmp : "/tmp");
	if (!mkdtemp(fz.root))
		abort();
	atexit(cleanup);
	put("sys/class/powercap/intel-rapl:0/name", "package-0\n");
	put("sys/class/powercap/intel-rapl:0/max_energy_range_uj", "262143328850\n");
	put("sys/class/powercap/intel-rapl:0/energy_uj", "47835316870\n");
	put("sys/class/powercap/intel-rapl:0:0/name", "dram\n");
	put("sys/class/powercap/intel-rapl:0:0/max_energy_range_uj", "65712999613\n");
	put("sys/class/powercap/intel-rapl:0:0/energy_uj", "8937125341\n");
	put("sys/class/powercap/intel-rapl:1/name", "psys\n");
	put("sys/class/powercap/intel-rapl:1/max_energy_range_uj", "262143328850\n");
	put("sys/class/powercap/intel-rapl:1/energy_uj", "40129837465\n");
	put("sys/class/powercap/intel-rapl-mmio:0/name", "package-0\n");
	put("sys/class/powercap/intel-rapl-mmio:0/max_energy_range_uj", "262143328850\n");
	put("sys/class/powercap/intel-rapl-mmio:0/energy_uj", "47835316870\n");
	put("sys/class/hwmon/hwmon0/name", "amd_energy\n");
	put("sys/class/hwmon/hwmon0/energy1_label", "Ecore000\n");
	put("sys/class/hwmon/hwmon0/energy1_input", "1029384756\n");
	put("sys/class/hwmon/hwmon0/energy2_label", "Esocket0\n");
	put("sys/class/hwmon/hwmon0/energy2_input", "120394857610\n");
	put("sys/class/hwmon/hwmon1/name", "amdgpu\n");
	put("sys/class/hwmon/hwmon1/power1_average", "15000000\n");
}

/* ---- the I/O double ------------------------------------------------------------ */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);

	return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int fz_open(const char *path, int flags)
{
	int fd = open(path, flags);

	if (fd < 0)
		return -errno;
	if (fd < MAX_FD) {
		fz.fd_init[fd] = fz.init_file && ends_with(path, fz.init_file);
		fz.fd_counter[fd] = fz.counter && ends_with(path, fz.counter) && !fz.fd_init[fd];
	}
	return fd;
}

static ssize_t answer(size_t k, void *buf, size_t n)
{
	const uint8_t *p;
	size_t len;

	if (fz.npieces == 0)
		return 0;
	if (k >= fz.npieces)
		k = fz.npieces - 1;
	p = fz.piece[k];
	len = fz.piece_len[k];
	if (len == 2 && p[0] == '!')
		return -(1 + p[1] % 133);
	if (len > n)
		len = n;
	memcpy(buf, p, len);
	return (ssize_t)len;
}

static ssize_t fz_pread(int fd, void *buf, size_t n, off_t off)
{
	ssize_t r;

	if (fd >= 0 && fd < MAX_FD && fz.fd_init[fd])
		return answer(0, buf, n);
	if (fd >= 0 && fd < MAX_FD && fz.fd_counter[fd])
		return answer(fz.first_counter_piece + fz.cycle, buf, n);
	r = pread(fd, buf, n, off);
	return r < 0 ? -errno : r;
}

static int fz_close(int fd)
{
	if (fd >= 0 && fd < MAX_FD)
		fz.fd_init[fd] = fz.fd_counter[fd] = false;
	return close(fd) < 0 ? -errno : 0;
}

static const cs_io_ops fz_ops = {fz_open, fz_pread, fz_close, NULL, NULL};

/* ---- oracles --------------------------------------------------------------------- */

static void check_channels(const cs_sensor *s)
{
	for (size_t i = 0; i < s->nchannels; i++) {
		const cs_channel *ch = &s->channels[i];

		if (!isfinite(ch->energy_j) || ch->energy_j < 0 || !isfinite(ch->power_w) || ch->power_w < 0)
			abort();
		if (ch->status != 0 && (ch->energy_j != 0 || ch->power_w != 0))
			abort();
		if (memchr(ch->name, '\0', sizeof(ch->name)) == NULL || !ch->source)
			abort();
		if ((unsigned)ch->comp >= CS_COMP_COUNT)
			abort();
	}
}

static uint64_t load_u64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

static void fuzz_delta(const uint8_t *p, size_t n)
{
	uint64_t prev, cur, max, d;
	bool wrapped;

	if (n < 24)
		return;
	prev = load_u64(p);
	cur = load_u64(p + 8);
	max = load_u64(p + 16);
	d = cs_counter_delta(prev, cur, max, &wrapped);
	if (cur >= prev && (d != cur - prev || wrapped))
		abort();
	if (cur < prev && wrapped && (d > max / 2 || d != max - (prev - cur)))
		abort();
	if (cur < prev && !wrapped && d != 0)
		abort();
}

/* ---- entry point ---------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cs_sensor_ops *ops;
	cs_sensor_env env;
	cs_sensor *s = NULL;
	cs_io io;
	char why[256], sys[96];
	size_t start;
	bool any_error = false;

	if (size < 1)
		return 0;
	if (!fz.root[0])
		make_tree();
	if (data[0] % MODE_COUNT == MODE_COUNTER_DELTA) {
		fuzz_delta(data + 1, size - 1);
		return 0;
	}

	/* split the payload into pieces */
	fz.npieces = 0;
	start = 1;
	for (size_t i = 1; i <= size && fz.npieces < MAX_PIECES; i++) {
		if (i == size || data[i] == '|') {
			fz.piece[fz.npieces] = data + start;
			fz.piece_len[fz.npieces] = i - start;
			fz.npieces++;
			start = i + 1;
		}
	}
	fz.init_file = NULL;
	fz.first_counter_piece = 0;
	fz.cycle = 0;
	switch ((enum fuzz_mode)(data[0] % MODE_COUNT)) {
	case MODE_RAPL_ENERGY:
		ops = &cs_rapl_ops;
		fz.counter = "/energy_uj";
		break;
	case MODE_RAPL_MAX:
		ops = &cs_rapl_ops;
		fz.init_file = "intel-rapl:0/max_energy_range_uj";
		fz.counter = "intel-rapl:0/energy_uj";
		break;
	case MODE_RAPL_NAME:
		ops = &cs_rapl_ops;
		fz.init_file = "intel-rapl:0/name";
		fz.counter = "intel-rapl:0/energy_uj";
		break;
	case MODE_AMD_LABEL:
		ops = &cs_amd_energy_ops;
		fz.init_file = "energy1_label";
		fz.counter = "energy1_input";
		break;
	case MODE_AMD_ENERGY:
		ops = &cs_amd_energy_ops;
		fz.counter = "_input";
		break;
	case MODE_AMDGPU_POWER:
	default:
		ops = &cs_amdgpu_ops;
		fz.counter = "power1_average";
		break;
	}
	if (fz.init_file)
		fz.first_counter_piece = 1;

	snprintf(sys, sizeof(sys), "%s/sys", fz.root);
	if (cs_io_init(&io, &fz_ops, sys, NULL, NULL) != 0)
		abort();
	env.io = &io;
	env.model = NULL;
	env.nvml_path = NULL;
	if (ops->init(&env, &s, why, sizeof(why)) != 0) {
		/* refused: with a reason, and nothing to free */
		if (memchr(why, '\0', sizeof(why)) == NULL || why[0] == '\0')
			abort();
		return 0;
	}
	if (!s || s->nchannels == 0 || s->ops != ops)
		abort();
	for (size_t k = 0; k < fz.npieces; k++)
		if (fz.piece_len[k] == 2 && fz.piece[k][0] == '!')
			any_error = true;
	for (fz.cycle = 0; fz.cycle < 4; fz.cycle++) {
		uint64_t opens = io.opens, reads = io.reads;

		(void)s->ops->read(s, (double)fz.cycle, fz.cycle ? 1.0 : 0.0);
		check_channels(s);
		/* without injected errors: no open, one pread per channel,
		 * whatever the bytes */
		if (!any_error && (io.opens != opens || io.reads - reads != s->nchannels))
			abort();
	}
	s->ops->destroy(s);
	return 0;
}
