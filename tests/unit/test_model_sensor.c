/* tests/unit/test_model_sensor.c - host model choice, power and the sensor.
 *
 * Every expected watt and joule below is computed by hand from the model's
 * documented formula and a hand-made table or instance, so the test does not
 * depend on the generated figures (the instances borrow real rows' names
 * only). The sensor is driven through scripted
 * /proc trees: a fixture tree is copied to mkdtemp() and /proc/stat and
 * /proc/meminfo are rewritten between reads.
 */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "sensors/model_sensor.h"
#include "data/tables.h" /* hand-made rows: the layout behind cs_instance and cs_cpu_tdp */

#include "fixture.h"

#ifndef CS_FIXTURES_DIR
#define CS_FIXTURES_DIR "tests/fixtures"
#endif

#define assert_close(a, b) assert_true(fabs((double)(a) - (double)(b)) < 1e-9)

/* A hand-made TDP table, sorted by key like the generated one. Its rows hold
 * offsets into their own pool, laid out by build_tables(). */
static const struct {
	const char *name, *key;
	double tdp_w;
} tbl_src[] = {
    {"750", "750", 65},
    {"AMD EPYC 7B13", "amdepyc7b13", 280},
    {"AMD Ryzen 5 3600", "amdryzen53600", 65},
    {"Intel Core i7-1185G7", "intelcorei71185g7", 28},
    {"Intel Xeon", "intelxeon", 999},
    {"Intel Xeon E5-2686", "intelxeone52686", 145},
    {"Intel Xeon Platinum 8375C", "intelxeonplatinum8375c", 300},
};
#define TBL_N (sizeof tbl_src / sizeof tbl_src[0])
static char tbl_pool[512];
static cs_cpu_tdp tbl_rows[TBL_N];
static const cs_cpu_tdp_list tbl_list = {tbl_rows, TBL_N, tbl_pool};
static const cs_cpu_tdp_list *const tbl = &tbl_list;

/* Hand-made instances (figures illustrative, formulas real). A row's name
 * is an offset into the built-in pool, so each borrows the name of a real
 * row and sets its own figures. */
static cs_instance inst_curve, inst_gpu, inst_minmax, inst_none;

static cs_instance named(cs_provider p, const char *name)
{
	const cs_instance *real = cs_instance_find(p, name);
	cs_instance it;

	assert_non_null(real);
	memset(&it, 0, sizeof it);
	it.name = real->name;
	it.key = real->key;
	it.arch = real->arch;
	it.provider = real->provider;
	it.embodied_g_per_h = -1;
	return it;
}

static void set4(double w[CS_CURVE_POINTS], double a, double b, double c, double d)
{
	w[0] = a;
	w[1] = b;
	w[2] = c;
	w[3] = d;
}

static int build_tables(void **state)
{
	size_t off = 1; /* offset 0 is "" */

	(void)state;
	for (size_t i = 0; i < TBL_N; i++) {
		size_t ln = strlen(tbl_src[i].name) + 1, lk = strlen(tbl_src[i].key) + 1;

		assert_true(off + ln + lk <= sizeof tbl_pool);
		memcpy(tbl_pool + off, tbl_src[i].name, ln);
		memcpy(tbl_pool + off + ln, tbl_src[i].key, lk);
		tbl_rows[i] = (cs_cpu_tdp){
		    .name = (cs_cpu_tdp_off)off, .key = (cs_cpu_tdp_off)(off + ln), .tdp_w = tbl_src[i].tdp_w};
		off += ln + lk;
	}

	inst_curve = named(CS_PROVIDER_AWS, "m5.large");
	inst_curve.method = CS_METHOD_CURVE;
	inst_curve.vcpu = 2;
	inst_curve.platform_vcpu = 96;
	inst_curve.mem_gb = 8;
	set4(inst_curve.cpu_w, 1.21, 3.34, 8.08, 11.21);
	set4(inst_curve.mem_w, 1.6, 2.4, 4.8, 7.2);
	inst_curve.delta_w = 2.0;

	/* the same curves plus a GPU, under a GPU type's name */
	inst_gpu = inst_curve;
	inst_gpu.name = named(CS_PROVIDER_AWS, "g4dn.xlarge").name;
	inst_gpu.vcpu = 4;
	inst_gpu.mem_gb = 16;
	inst_gpu.gpus = 1;
	set4(inst_gpu.gpu_w, 20, 60, 150, 250);

	inst_minmax = named(CS_PROVIDER_GCP, "e2-standard-2");
	inst_minmax.method = CS_METHOD_MINMAX;
	inst_minmax.vcpu = 2;
	inst_minmax.mem_gb = 8;
	inst_minmax.mem_rule = CS_MEM_FULL; /* GCP: every GB */
	inst_minmax.mem_charged_gb = 8;
	inst_minmax.vcpu_share = 1;
	inst_minmax.min_w_per_vcpu = 1.0;
	inst_minmax.max_w_per_vcpu = 3.0;

	inst_none = named(CS_PROVIDER_AWS, "x1.16xlarge");
	inst_none.method = CS_METHOD_NONE;
	inst_none.vcpu = 2;
	return 0;
}

/* ---- scripted /proc trees ------------------------------------------------------ */

static void copy_tree(const char *tree, const char *dir)
{
	static const char *const files[] = {"stat", "meminfo", "cpuinfo"};

	for (size_t i = 0; i < 3; i++) {
		char path[512], buf[8192];
		size_t n;
		FILE *f;

		snprintf(path, sizeof path, "%s/%s/%s", CS_FIXTURES_DIR, tree, files[i]);
		f = fopen(path, "rb");
		assert_non_null(f);
		n = fread(buf, 1, sizeof buf - 1, f);
		fclose(f);
		buf[n] = '\0';
		tf_write_file(dir, files[i], buf);
	}
}

/* /proc/stat with one CPU line plus the aggregate, from tick counts. */
static void put_stat(const char *dir, unsigned long long user, unsigned long long idle)
{
	char text[256];

	snprintf(text, sizeof text,
	         "cpu  %llu 0 0 %llu 0 0 0 0 0 0\ncpu0 %llu 0 0 %llu 0 0 0 0 0 0\n"
	         "intr 1 0\nctxt 10\n",
	         user, idle, user, idle);
	tf_write_file(dir, "stat", text);
}

/* ---- CPU names and the TDP table -------------------------------------------- */

static void check_norm(const char *in, const char *want)
{
	char out[128];

	assert_int_equal(cs_cpu_name_normalise(in, out, sizeof out), (int)strlen(want));
	assert_string_equal(out, want);
}

static void test_normalise(void **state)
{
	char small[8];

	(void)state;
	check_norm("Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz", "Intel Xeon Platinum 8375C");
	check_norm("AMD EPYC 7B13 64-Core Processor", "AMD EPYC 7B13");
	check_norm("11th Gen Intel(R) Core(TM) i7-1185G7 @ 3.00GHz", "11th Gen Intel Core i7-1185G7");
	check_norm("Intel(R) Xeon(R) CPU E5-2686 v4 @ 2.30GHz", "Intel Xeon E5-2686 v4");
	check_norm("AMD Ryzen 5 3600X 6-Core Processor", "AMD Ryzen 5 3600X");
	check_norm("Intel\xc2\xae Core\xe2\x84\xa2 i5 CPU 750 2.67GHz", "Intel Core i5 750");
	check_norm("AMD Opteron(tm) Processor 6276", "AMD Opteron 6276");
	check_norm("AMD Athlon(tm) II X2 250 Dual-Core Processor", "AMD Athlon II X2 250");
	check_norm("  lots \t of   space  ", "lots of space");
	check_norm("QEMU Virtual CPU version 2.5+", "QEMU Virtual version 2.5+");
	check_norm("", "");
	check_norm("@ 3GHz", "");
	assert_int_equal(cs_cpu_name_normalise("Intel Xeon Platinum", small, sizeof small), CS_ERANGE);
	assert_int_equal(cs_cpu_name_normalise(NULL, small, sizeof small), CS_EINVAL);
}

static void check_find(const char *name, const char *want)
{
	const cs_cpu_tdp *row = cs_cpu_tdp_find(tbl, name);

	if (!want) {
		assert_null(row);
		return;
	}
	assert_non_null(row);
	assert_string_equal(cs_cpu_tdp_name(tbl, row), want);
}

static void test_tdp_find(void **state)
{
	(void)state;
	check_find("Intel Xeon Platinum 8375C", "Intel Xeon Platinum 8375C");  /* exact */
	check_find("intel xeon platinum 8375-c", "Intel Xeon Platinum 8375C"); /* same key */
	check_find("AMD EPYC 7B13", "AMD EPYC 7B13");
	check_find("11th Gen Intel Core i7-1185G7", "Intel Core i7-1185G7"); /* contained */
	check_find("Intel Xeon E5-2686 v4", "Intel Xeon E5-2686");           /* longest wins */
	check_find("Intel Xeon Gold 6248", NULL);                            /* a family row only matches exactly */
	check_find("Intel Xeon", "Intel Xeon");
	check_find("Intel Core i5 750", NULL); /* a bare number only matches exactly */
	check_find("750", "750");
	check_find("AMD Ryzen 5 3600X", NULL); /* "3600" is not "3600X" */
	check_find("AMD EPYC", NULL);
	check_find("", NULL);
	check_find("!!!", NULL);
	assert_null(cs_cpu_tdp_find(NULL, "AMD EPYC 7B13"));
}

/* ---- choosing the model ------------------------------------------------------- */

/* The TDP and generic tests keep the microarchitecture model out: the
 * fixtures' CPUs have CCF rows (test_host_model_ccf_arch has its own). */
static void init_tree(cs_host_model *m, const char *tree, const cs_host_model_in *in, char *why, size_t cap)
{
	char root[512];
	cs_io io;

	snprintf(root, sizeof root, "%s/%s", CS_FIXTURES_DIR, tree);
	assert_int_equal(cs_io_init(&io, NULL, NULL, root, NULL), 0);
	assert_int_equal(cs_host_model_init_table(m, &io, in, why, cap), 0);
}

static void init_host(cs_host_model *m, const char *tree, const cs_instance *inst, char *why, size_t cap)
{
	cs_host_model_in in = {.inst = inst, .tdp = tbl, .tdp_label = "test table", .no_microarch = true};

	init_tree(m, tree, &in, why, cap);
}

static void test_host_model_tdp(void **state)
{
	cs_host_model m;
	char why[512];

	(void)state;
	init_host(&m, "proc-vm", NULL, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_TDP);
	assert_string_equal(m.source, "model:tdp");
	assert_string_equal(m.cpu_model, "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz");
	assert_string_equal(m.cpu_name, "Intel Xeon Platinum 8375C");
	assert_string_equal(m.tdp_name, "Intel Xeon Platinum 8375C");
	assert_close(m.tdp_w, 300);
	assert_int_equal(m.sockets, 1);
	assert_int_equal(m.ncpu, 2);
	assert_true(m.vm);
	assert_close(m.mem_total_gb, 7949588.0 / 1048576.0);
	assert_non_null(strstr(why, "Intel Xeon Platinum 8375C, TDP 300 W x 1 socket (test table)"));
	assert_non_null(strstr(why, "configure the instance type"));
	assert_string_equal(why, m.desc);

	init_host(&m, "proc-amd", NULL, NULL, 0);
	assert_int_equal(m.kind, CS_HOST_MODEL_TDP);
	assert_close(m.tdp_w, 280);
	assert_int_equal(m.ncpu, 4);
}

static void test_host_model_generic(void **state)
{
	cs_host_model m;
	char why[512];

	(void)state;
	init_host(&m, "proc-arm64", NULL, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_GENERIC);
	assert_string_equal(m.source, "model:generic");
	assert_string_equal(m.cpu_model, "ARM Neoverse-N1");
	assert_int_equal(m.ncpu, 2);
	assert_non_null(strstr(why, "\"ARM Neoverse-N1\" not in the TDP table"));

	init_host(&m, "proc-unknown", NULL, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_GENERIC);
	assert_int_equal(m.sockets, 2);
	assert_int_equal(m.ncpu, 2);
	assert_non_null(strstr(why, "generic 0.74-3.5 W per CPU x 2 CPUs (CCF AWS average)"));

	/* no cpuinfo at all */
	{
		cs_io io;

		assert_int_equal(cs_io_init(&io, NULL, NULL, "/nonexistent/carbonstat", NULL), 0);
		assert_int_equal(cs_host_model_init(&m, &io, NULL, CS_PROVIDER_UNKNOWN, why, sizeof why), 0);
		assert_int_equal(m.kind, CS_HOST_MODEL_GENERIC);
		assert_int_equal(m.ncpu, 1);
		assert_non_null(strstr(why, "unknown CPU: generic"));
	}
}

static void test_host_model_instance(void **state)
{
	cs_host_model m;
	char why[512];

	(void)state;
	init_host(&m, "proc-vm", &inst_curve, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_INSTANCE);
	assert_ptr_equal(m.inst, &inst_curve);
	assert_string_equal(m.source, "model:aws-teads");
	assert_non_null(strstr(why, "AWS m5.large: Teads power curve"));

	init_host(&m, "proc-vm", &inst_minmax, why, sizeof why);
	assert_string_equal(m.source, "model:ccf-gcp");
	assert_non_null(strstr(why, "GCP e2-standard-2: CCF"));

	/* an instance without a power model falls back, and says so */
	init_host(&m, "proc-vm", &inst_none, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_TDP);
	assert_non_null(strstr(why, "instance x1.16xlarge has no power model; Intel Xeon Platinum 8375C"));
}

static void test_sources(void **state)
{
	cs_instance i = inst_minmax;

	(void)state;
	assert_string_equal(cs_model_source_for(&inst_curve), "model:aws-teads");
	i.provider = CS_PROVIDER_AWS;
	assert_string_equal(cs_model_source_for(&i), "model:ccf-aws");
	i.provider = CS_PROVIDER_AZURE;
	assert_string_equal(cs_model_source_for(&i), "model:ccf-azure");
	i.provider = CS_PROVIDER_UNKNOWN;
	assert_string_equal(cs_model_source_for(&i), "model:ccf");
	i.method = CS_METHOD_CURVE;
	assert_string_equal(cs_model_source_for(&i), "model:teads");
	assert_string_equal(cs_model_source_for(NULL), "model:generic");
}

/* ---- pure power ----------------------------------------------------------------- */

static void test_power_tdp(void **state)
{
	cs_host_model m;
	cs_power p;
	double mem = 7949588.0 / 1048576.0 * 0.392;

	(void)state;
	init_host(&m, "proc-vm", NULL, NULL, 0);
	/* 300 W x 1 socket x {0.12, 0.32, 0.75, 1.02} = {36, 96, 225, 306} W */
	assert_int_equal(cs_host_model_power(&m, 0.0, -1, &p), 0);
	assert_close(p.cpu_w, 36);
	assert_close(p.mem_w, mem);
	assert_close(p.total_w, 36 + mem);
	assert_int_equal(cs_host_model_power(&m, 0.1, -1, &p), 0);
	assert_close(p.cpu_w, 96);
	assert_int_equal(cs_host_model_power(&m, 0.25, -1, &p), 0);
	assert_close(p.cpu_w, 96 + (225 - 96) * 0.375);
	assert_int_equal(cs_host_model_power(&m, 0.5, 0.9, &p), 0);
	assert_close(p.cpu_w, 225);
	assert_close(p.mem_w, mem); /* memory is per GB, not per use */
	assert_int_equal(cs_host_model_power(&m, 0.75, -1, &p), 0);
	assert_close(p.cpu_w, 265.5);
	assert_int_equal(cs_host_model_power(&m, 1.0, -1, &p), 0);
	assert_close(p.cpu_w, 306);
	assert_close(p.gpu_w, 0);
	assert_close(p.other_w, 0);

	/* TDP is per socket */
	m.sockets = 2;
	assert_int_equal(cs_host_model_power(&m, 0.5, -1, &p), 0);
	assert_close(p.cpu_w, 450);

	/* bad input */
	assert_int_equal(cs_host_model_power(&m, -0.1, -1, &p), CS_EINVAL);
	assert_int_equal(cs_host_model_power(&m, 1.1, -1, &p), CS_EINVAL);
	assert_int_equal(cs_host_model_power(&m, NAN, -1, &p), CS_EINVAL);
	assert_int_equal(cs_host_model_power(&m, 0.5, 1.5, &p), CS_EINVAL);
}

static void test_power_generic_and_instances(void **state)
{
	cs_host_model m;
	cs_power p;

	(void)state;
	init_host(&m, "proc-unknown", NULL, NULL, 0);
	assert_int_equal(cs_host_model_power(&m, 0.25, -1, &p), 0);
	assert_close(p.cpu_w, 2 * (0.74 + (3.5 - 0.74) * 0.25));
	assert_close(p.mem_w, 4025040.0 / 1048576.0 * 0.392);

	memset(&m, 0, sizeof m);
	m.kind = CS_HOST_MODEL_INSTANCE;
	m.inst = &inst_curve;
	assert_int_equal(cs_host_model_power(&m, 0.25, 0.5, &p), 0);
	assert_close(p.cpu_w, 3.34 + (8.08 - 3.34) * 0.375);
	assert_close(p.mem_w, 4.8);
	assert_close(p.other_w, 2.0);
	/* memory unknown: same as CPU */
	assert_int_equal(cs_host_model_power(&m, 0.25, -1, &p), 0);
	assert_close(p.mem_w, 2.4 + (4.8 - 2.4) * 0.375);

	m.inst = &inst_minmax;
	assert_int_equal(cs_host_model_power(&m, 0.25, 0.5, &p), 0);
	assert_close(p.cpu_w, 2 * (1.0 + 2.0 * 0.25));
	assert_close(p.mem_w, 8 * 0.392);
	assert_close(p.other_w, 0);

	m.inst = &inst_none;
	assert_int_equal(cs_host_model_power(&m, 0.25, 0.5, &p), CS_ENODATA);
}

/* ---- the sensor -------------------------------------------------------------------- */

static void test_sensor_tdp_cycles(void **state)
{
	char dir[] = "/tmp/cs_model_XXXXXX";
	cs_host_model m;
	cs_sensor_env env;
	cs_sensor *s = NULL;
	const cs_channel *cpu, *dram;
	double mem_w;
	uint64_t reads;
	cs_io io;
	char why[256] = "";

	(void)state;
	assert_non_null(mkdtemp(dir));
	copy_tree("proc-vm", dir);
	assert_int_equal(cs_io_init(&io, &tf_io_ops, NULL, dir, NULL), 0);
	assert_int_equal(cs_host_model_init_table(
	                     &m, &io,
	                     &(cs_host_model_in){.inst = NULL, .tdp = tbl, .tdp_label = "test", .no_microarch = true},
	                     NULL, 0),
	                 0);
	assert_int_equal(m.kind, CS_HOST_MODEL_TDP);
	mem_w = m.mem_total_gb * 0.392;

	env = (cs_sensor_env){.io = &io, .model = &m, .nvml_path = NULL};
	assert_int_equal(cs_model_ops.init(&env, &s, why, sizeof why), 0);
	assert_non_null(s);
	assert_ptr_equal(s->ops, &cs_model_ops);
	assert_int_equal(s->nchannels, 2);
	cpu = tf_channel(s, "cpu");
	dram = tf_channel(s, "dram");
	assert_int_equal(cpu->comp, CS_COMP_CPU);
	assert_int_equal(dram->comp, CS_COMP_DRAM);
	assert_string_equal(cpu->source, "model:tdp");
	assert_false(cpu->measured);
	assert_true(cpu->in_total && dram->in_total);

	/* first read primes */
	put_stat(dir, 1000, 9000);
	reads = io.reads;
	assert_int_equal(s->ops->read(s, 100.0, 0.0), 0);
	assert_int_equal(io.reads, reads + 2); /* one pread each: stat, meminfo */
	assert_close(cpu->energy_j, 0);
	assert_close(dram->energy_j, 0);

	/* 25 % busy over 2 s: (96 + 129 x 0.375) W x 2 s */
	put_stat(dir, 1025, 9075);
	assert_int_equal(s->ops->read(s, 102.0, 2.0), 0);
	assert_close(cpu->power_w, 144.375);
	assert_close(cpu->energy_j, 288.75);
	assert_close(dram->power_w, mem_w);
	assert_close(dram->energy_j, mem_w * 2);
	assert_int_equal(cpu->status, 0);

	/* idle counter went backwards: that field counts 0 -> 100 % busy */
	put_stat(dir, 1035, 5000);
	assert_int_equal(s->ops->read(s, 103.0, 1.0), 0);
	assert_close(cpu->energy_j, 306);

	/* no tick in 5 ms: the last utilisation stands */
	assert_int_equal(s->ops->read(s, 103.005, 0.005), 0);
	assert_close(cpu->energy_j, 306 * 0.005);

	/* dt = 0: nothing to report */
	assert_int_equal(s->ops->read(s, 103.005, 0.0), 0);
	assert_close(cpu->energy_j, 0);

	/* /proc/stat read fails: error per channel, 0 J, the 2 s are carried... */
	tf_io_fail_nth_read(1, -EIO);
	assert_int_equal(s->ops->read(s, 105.0, 2.0), -EIO);
	assert_int_equal(cpu->status, -EIO);
	assert_int_equal(dram->status, -EIO);
	assert_close(cpu->energy_j, 0);
	/* ...and covered by the next good read: 0 % busy since the last good
	 * snapshot, over 2 + 1 s */
	put_stat(dir, 1035, 5300);
	assert_int_equal(s->ops->read(s, 106.0, 1.0), 0);
	assert_int_equal(cpu->status, 0);
	assert_close(cpu->power_w, 36);
	assert_close(cpu->energy_j, 36 * 3);
	assert_close(dram->energy_j, mem_w * 3);

	s->ops->destroy(s);
	tf_rm_tree(dir);
}

static void test_sensor_instance_cycles(void **state)
{
	char dir[] = "/tmp/cs_model_XXXXXX";
	cs_host_model m;
	cs_sensor_env env;
	cs_sensor *s = NULL;
	const cs_channel *cpu, *dram, *gpu, *other;
	cs_io io;

	(void)state;
	assert_non_null(mkdtemp(dir));
	copy_tree("proc-vm", dir);
	assert_int_equal(cs_io_init(&io, &tf_io_ops, NULL, dir, NULL), 0);
	assert_int_equal(
	    cs_host_model_init_table(
	        &m, &io, &(cs_host_model_in){.inst = &inst_gpu, .tdp = tbl, .tdp_label = "test", .no_microarch = true},
	        NULL, 0),
	    0);
	m.gpu_measured = true; /* an nvml sensor measures the GPU */
	env = (cs_sensor_env){.io = &io, .model = &m};
	assert_int_equal(cs_model_ops.init(&env, &s, NULL, 0), 0);
	assert_int_equal(s->nchannels, 4);
	cpu = tf_channel(s, "cpu");
	dram = tf_channel(s, "dram");
	gpu = tf_channel(s, "gpu");
	other = tf_channel(s, "other");
	assert_int_equal(gpu->comp, CS_COMP_GPU);
	assert_int_equal(other->comp, CS_COMP_OTHER);
	assert_false(gpu->in_total); /* not counted twice */
	assert_true(other->in_total);
	assert_string_equal(other->source, "model:aws-teads");

	put_stat(dir, 0, 0);
	tf_write_file(dir, "meminfo", "MemTotal: 1000 kB\nMemAvailable: 500 kB\n");
	assert_int_equal(s->ops->read(s, 0, 0), 0);
	put_stat(dir, 25, 75);
	assert_int_equal(s->ops->read(s, 10, 10), 0);
	assert_close(cpu->energy_j, (3.34 + (8.08 - 3.34) * 0.375) * 10);
	assert_close(dram->energy_j, 4.8 * 10);                      /* memory 50 % used */
	assert_close(gpu->energy_j, (60 + (150 - 60) * 0.375) * 10); /* gpu = cpu util */
	assert_close(other->energy_j, 2.0 * 10);

	/* meminfo fails (2nd pread of the cycle): energies still filled from
	 * the last memory utilisation, dram carries the error */
	put_stat(dir, 35, 165);
	tf_write_file(dir, "meminfo", "MemTotal: 1000 kB\nMemAvailable: 0 kB\n");
	tf_io_fail_nth_read(2, -EIO);
	assert_int_equal(s->ops->read(s, 11, 1), 0);
	assert_int_equal(dram->status, -EIO);
	assert_int_equal(cpu->status, 0);
	assert_close(dram->energy_j, 4.8);
	assert_close(cpu->energy_j, 3.34); /* 10 % busy */
	assert_int_equal(s->ops->read(s, 12, 1), 0);
	assert_int_equal(dram->status, 0);
	s->ops->destroy(s);

	/* min/max instance: cpu and dram only */
	assert_int_equal(
	    cs_host_model_init_table(
	        &m, &io, &(cs_host_model_in){.inst = &inst_minmax, .tdp = tbl, .tdp_label = "t", .no_microarch = true},
	        NULL, 0),
	    0);
	assert_int_equal(cs_model_ops.init(&env, &s, NULL, 0), 0);
	assert_int_equal(s->nchannels, 2);
	assert_string_equal(s->channels[0].source, "model:ccf-gcp");
	s->ops->destroy(s);
	tf_rm_tree(dir);
}

static void test_sensor_builds_own_model(void **state)
{
	char dir[] = "/tmp/cs_model_XXXXXX";
	cs_sensor_env env;
	cs_sensor *s = NULL;
	cs_io io;

	(void)state;
	assert_non_null(mkdtemp(dir));
	copy_tree("proc-unknown", dir);
	assert_int_equal(cs_io_init(&io, NULL, NULL, dir, NULL), 0);
	env = (cs_sensor_env){.io = &io, .model = NULL};
	assert_int_equal(cs_model_ops.init(&env, &s, NULL, 0), 0);
	assert_string_equal(s->channels[0].source, "model:generic");
	put_stat(dir, 0, 0);
	assert_int_equal(s->ops->read(s, 0, 0), 0);
	put_stat(dir, 50, 150);
	assert_int_equal(s->ops->read(s, 4, 4), 0);
	assert_close(tf_channel(s, "cpu")->energy_j, 2 * (0.74 + 2.76 * 0.25) * 4);
	assert_close(tf_channel(s, "dram")->energy_j, 4025040.0 / 1048576.0 * 0.392 * 4);
	s->ops->destroy(s);
	tf_rm_tree(dir);
}

static void test_sensor_real_table(void **state)
{
	char root[512], why[512];
	cs_host_model m;
	const cs_cpu_tdp *row;
	cs_cpu_tdp_list builtin = cs_cpu_tdp_builtin();
	cs_host_model_in in = {.tdp = &builtin, .tdp_label = "CodeCarbon cpu_power.csv", .no_microarch = true};
	cs_io io;

	(void)state;
	snprintf(root, sizeof root, "%s/proc-vm", CS_FIXTURES_DIR);
	assert_int_equal(cs_io_init(&io, NULL, NULL, root, NULL), 0);
	/* without the microarchitecture model, the built-in TDP table */
	assert_int_equal(cs_host_model_init_table(&m, &io, &in, why, sizeof why), 0);
	row = cs_cpu_tdp_find(&builtin, "Intel Xeon Platinum 8375C");
	if (row) {
		cs_power p;

		assert_int_equal(m.kind, CS_HOST_MODEL_TDP);
		assert_close(m.tdp_w, row->tdp_w);
		assert_non_null(strstr(why, "(CodeCarbon cpu_power.csv)"));
		assert_int_equal(cs_host_model_power(&m, 0.5, -1, &p), 0);
		assert_close(p.cpu_w, row->tdp_w * 0.75);
	} else {
		assert_int_equal(m.kind, CS_HOST_MODEL_GENERIC);
	}
	print_message("proc-vm with the built-in TDP table: %s\n", why);
	/* with it (the default): a VM gets its microarchitecture first */
	assert_int_equal(cs_host_model_init(&m, &io, NULL, CS_PROVIDER_UNKNOWN, why, sizeof why), 0);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	print_message("proc-vm with the built-in tables: %s\n", why);
}

/* ---- the CCF microarchitecture model ----------------------------------------------
 * Figures from the source CSVs (../shared/datasets/cloud-carbon-footprint,
 * ccf-coefficients @ b0032d9), copied by hand, not read from the table:
 *   coefficients-aws-use.csv  EPYC 4th Gen: Min 0.7391482469512195, Max 2.282155106707317, GB/Chip 152.1951219512195
 *   coefficients-gcp-use.csv  EPYC 4th Gen: Min 0.7391482469512195, Max 2.1958768628048784 (memory-adjusted)
 *   coefficients-aws-use.csv  Ice Lake:     Min 0.766796875, Max 3.7582031249999996, GB/Chip 136.0
 *   coefficients-aws-use.csv  EPYC 3rd Gen: Min 0.45562453497023814, Max 1.957333519345238
 *   coefficients-aws-use.csv  Graviton2:    Min 0.4742621527777777, Max 1.6929615162037035, GB/Chip 129.77777777777777
 * (coefficients-azure-use.csv, 2022, has no EPYC 4th Gen row.) */

#define ZEN4_MIN     0.7391482469512195
#define ZEN4_MAX_AWS 2.282155106707317
#define ZEN4_MAX_GCP 2.1958768628048784
#define ZEN4_GB_CHIP 152.1951219512195
#define ZEN4_MEM_GB  (24683772.0 / 1048576.0) /* proc-epyc-zen4 MemTotal, kB -> GiB: 23.5403 */

static void init_arch(cs_host_model *m, const char *tree, cs_provider prov, const cs_cpu_tdp_list *tdp, char *why,
                      size_t cap)
{
	cs_host_model_in in = {.provider = prov, .tdp = tdp, .tdp_label = "test table"};

	init_tree(m, tree, &in, why, cap);
}

static void test_ccf_arch_zen4_vm(void **state)
{
	cs_host_model m;
	cs_power p;
	char why[512];
	/* a VM holds vCPU/96 of a chip's baseline: 2/96 x 152.195 = 3.1707 GB;
	 * charged 23.5403 - 3.1707 = 20.3696 GB x 0.392 = 7.9849 W */
	double charged = ZEN4_MEM_GB - 2.0 / 96.0 * ZEN4_GB_CHIP;

	(void)state;
	/* provider unknown: AWS's file, memory above the chip baseline. The
	 * TDP table has no "AMD EPYC" row either way. */
	init_arch(&m, "proc-epyc-zen4", CS_PROVIDER_UNKNOWN, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_string_equal(m.source, "model:ccf-microarch");
	assert_string_equal(m.cpu_model, "AMD EPYC");
	assert_string_equal(m.cpu_id, "family 25 model 17");
	assert_string_equal(m.arch_core, "AMD Zen 4 (Genoa)");
	assert_string_equal(m.arch_ccf, "EPYC 4th Gen");
	assert_true(m.vm);
	assert_int_equal(m.ncpu, 2);
	assert_close(m.min_w_per_vcpu, ZEN4_MIN);
	assert_close(m.max_w_per_vcpu, ZEN4_MAX_AWS);
	assert_string_equal(cs_dataset_id(m.coef_dataset), "ccf-use-aws");
	assert_int_equal(cs_dataset_year(m.coef_dataset), 2026);
	assert_string_equal(m.mem_rule, "ccf-above-chip-baseline");
	assert_false(m.dram_by_occupancy);
	assert_close(m.mem_total_gb, ZEN4_MEM_GB);
	assert_close(m.mem_charged_gb, charged);
	assert_true(fabs(charged - 20.3696) < 1e-4);
	assert_non_null(strstr(why,
	                       "AMD Zen 4 (Genoa), family 25 model 17: CCF EPYC 4th Gen 0.739-2.282 W per vCPU x 2 "
	                       "vCPU (ccf-use-aws 2026; provider unknown: AWS file)"));
	assert_non_null(strstr(why, "ccf-above-chip-baseline, minus 2/96 vCPU of a chip's 152.2 GB"));
	assert_non_null(strstr(why, "DRAM constant, not by occupancy"));
	assert_string_equal(why, m.desc);

	/* idle: 2 x 0.73915 = 1.47830 W CPU; 100 %: 2 x 2.28216 = 4.56431 W */
	assert_int_equal(cs_host_model_power(&m, 0.0, -1, &p), 0);
	assert_close(p.cpu_w, 2 * ZEN4_MIN);
	assert_close(p.mem_w, charged * 0.392);
	assert_close(p.total_w, 2 * ZEN4_MIN + charged * 0.392);
	assert_int_equal(cs_host_model_power(&m, 1.0, 0.3, &p), 0);
	assert_close(p.cpu_w, 2 * ZEN4_MAX_AWS);
	assert_close(p.mem_w, charged * 0.392); /* no use term */
	assert_int_equal(cs_host_model_power(&m, 0.5, -1, &p), 0);
	assert_close(p.cpu_w, 2 * (ZEN4_MIN + (ZEN4_MAX_AWS - ZEN4_MIN) * 0.5));
	assert_close(p.gpu_w, 0);
	assert_close(p.other_w, 0);

	/* GCP: its own (memory-adjusted) row, every GB */
	init_arch(&m, "proc-epyc-zen4", CS_PROVIDER_GCP, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_string_equal(cs_dataset_id(m.coef_dataset), "ccf-use-gcp");
	assert_close(m.max_w_per_vcpu, ZEN4_MAX_GCP);
	assert_string_equal(m.mem_rule, "ccf-all-gb");
	assert_close(m.mem_charged_gb, ZEN4_MEM_GB);
	assert_non_null(strstr(why, "(ccf-use-gcp 2026)"));
	assert_int_equal(cs_host_model_power(&m, 1.0, -1, &p), 0);
	assert_close(p.cpu_w, 2 * ZEN4_MAX_GCP);
	assert_close(p.mem_w, ZEN4_MEM_GB * 0.392);

	/* Azure's 2022 file has no EPYC 4th Gen: AWS's row, and it says so */
	init_arch(&m, "proc-epyc-zen4", CS_PROVIDER_AZURE, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_string_equal(cs_dataset_id(m.coef_dataset), "ccf-use-aws");
	assert_non_null(strstr(why, "no azure row: AWS file"));
	assert_close(m.mem_charged_gb, charged);

	/* AWS given: its file, no fallback note */
	init_arch(&m, "proc-epyc-zen4", CS_PROVIDER_AWS, tbl, why, sizeof why);
	assert_non_null(strstr(why, "(ccf-use-aws 2026)"));
}

static void test_ccf_arch_order(void **state)
{
	char dir[] = "/tmp/cs_model_XXXXXX", why[512];
	cs_host_model m;
	cs_host_model_in in = {.tdp = tbl, .tdp_label = "test table"};
	char ci_buf[8192];
	size_t len;
	cs_io io;

	(void)state;
	/* Ice Lake VM (family 6 model 106) whose model name has a TDP row:
	 * under a hypervisor the microarchitecture wins. 7949588 kB = 7.5813
	 * GiB; baseline 2/96 x 136.0 = 2.8333 GB; charged 4.7480 GB. */
	init_arch(&m, "proc-vm", CS_PROVIDER_UNKNOWN, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_string_equal(m.arch_core, "Intel Ice Lake-SP");
	assert_string_equal(m.arch_ccf, "Ice Lake");
	assert_close(m.min_w_per_vcpu, 0.766796875);
	assert_close(m.max_w_per_vcpu, 3.7582031249999996);
	assert_close(m.mem_charged_gb, 7949588.0 / 1048576.0 - 2.0 / 96.0 * 136.0);

	/* the same CPU on bare metal (no "hypervisor" flag): the TDP row names
	 * the exact CPU and wins; without one, the microarchitecture with one
	 * chip's baseline per socket (7.58 GB < 136 GB: nothing charged) */
	assert_non_null(mkdtemp(dir));
	copy_tree("proc-vm", dir);
	{
		char path[512];
		FILE *f;

		snprintf(path, sizeof path, "%s/proc-vm/cpuinfo", CS_FIXTURES_DIR);
		f = fopen(path, "rb");
		assert_non_null(f);
		len = fread(ci_buf, 1, sizeof ci_buf - 1, f);
		fclose(f);
		ci_buf[len] = '\0';
		for (char *h; (h = strstr(ci_buf, " hypervisor")) != NULL;)
			memmove(h, h + 11, strlen(h + 11) + 1);
		tf_write_file(dir, "cpuinfo", ci_buf);
	}
	assert_int_equal(cs_io_init(&io, NULL, NULL, dir, NULL), 0);
	assert_int_equal(cs_host_model_init_table(&m, &io, &in, why, sizeof why), 0);
	assert_false(m.vm);
	assert_int_equal(m.kind, CS_HOST_MODEL_TDP);
	assert_string_equal(m.arch_core, "Intel Ice Lake-SP"); /* known, not used */
	in.tdp = NULL;
	assert_int_equal(cs_host_model_init_table(&m, &io, &in, why, sizeof why), 0);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_close(m.mem_charged_gb, 0);
	assert_non_null(strstr(why, "minus 136.0 GB per chip x 1 socket"));
	tf_rm_tree(dir);

	/* EPYC 7B13 VM: family 25 model 1 is Milan */
	init_arch(&m, "proc-amd", CS_PROVIDER_UNKNOWN, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_string_equal(m.arch_core, "AMD Zen 3 (Milan)");
	assert_close(m.min_w_per_vcpu, 0.45562453497023814);
	assert_close(m.max_w_per_vcpu, 1.957333519345238);

	/* arm64 Neoverse-N1, bare metal, no TDP row: Graviton2's row */
	init_arch(&m, "proc-arm64", CS_PROVIDER_UNKNOWN, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_CCF_ARCH);
	assert_string_equal(m.arch_ccf, "Graviton2");
	assert_string_equal(m.cpu_id, "implementer 0x41 part 0xd0c");
	assert_close(m.min_w_per_vcpu, 0.4742621527777777);

	/* a design CCF has no row for (Cooper Lake: model 85 stepping 11) says so */
	{
		static const char cooper[] =
		    "processor\t: 0\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nmodel\t\t: 85\n"
		    "model name\t: Intel(R) Xeon(R) Platinum 8353H CPU @ 2.50GHz\nstepping\t: 11\n"
		    "flags\t\t: fpu hypervisor\n";

		assert_non_null(mkdtemp(strcpy(dir, "/tmp/cs_model_XXXXXX")));
		copy_tree("proc-vm", dir);
		tf_write_file(dir, "cpuinfo", cooper);
		assert_int_equal(cs_io_init(&io, NULL, NULL, dir, NULL), 0);
		in.tdp = tbl;
		assert_int_equal(cs_host_model_init_table(&m, &io, &in, why, sizeof why), 0);
		assert_int_equal(m.kind, CS_HOST_MODEL_GENERIC);
		assert_string_equal(m.arch_core, "Intel Cooper Lake");
		assert_null(m.arch_ccf);
		assert_non_null(
		    strstr(why, "Intel Cooper Lake (family 6 model 85) has no CCF coefficients; CPU \"Intel"));
		tf_rm_tree(dir);
	}

	/* QEMU's family 6 model 6: unknown, generic as before */
	init_arch(&m, "proc-unknown", CS_PROVIDER_UNKNOWN, tbl, why, sizeof why);
	assert_int_equal(m.kind, CS_HOST_MODEL_GENERIC);
	assert_null(m.arch_core);
	assert_string_equal(m.mem_rule, "ccf-all-gb");
	assert_non_null(strstr(why, "generic 0.74-3.5 W per CPU x 2 CPUs"));
}

static void test_instance_mem_rule_desc(void **state)
{
	cs_host_model m;
	cs_instance above = inst_minmax;
	char why[512];

	(void)state;
	init_host(&m, "proc-vm", &inst_curve, why, sizeof why);
	assert_true(m.dram_by_occupancy);
	assert_string_equal(m.mem_rule, "teads-curve");
	assert_non_null(strstr(why, "DRAM on the Teads memory curve by occupancy (MemTotal - MemAvailable)"));

	init_host(&m, "proc-vm", &inst_minmax, why, sizeof why);
	assert_false(m.dram_by_occupancy);
	assert_string_equal(m.mem_rule, "ccf-all-gb");
	assert_non_null(strstr(why, "+ 8.0 of 8 GB x 0.392 W/GB (ccf-all-gb; DRAM constant, not by occupancy)"));

	above.mem_rule = CS_MEM_ABOVE_BASELINE;
	above.mem_charged_gb = 0.829;
	init_host(&m, "proc-vm", &above, why, sizeof why);
	assert_string_equal(m.mem_rule, "ccf-above-chip-baseline");
	assert_close(m.mem_charged_gb, 0.829);
	assert_non_null(strstr(why, "+ 0.8 of 8 GB x 0.392 W/GB (ccf-above-chip-baseline;"));
}

static void test_sensor_unavailable(void **state)
{
	cs_sensor_env env;
	cs_sensor *s = NULL;
	char why[256] = "";
	cs_io io;

	(void)state;
	assert_int_equal(cs_io_init(&io, NULL, NULL, "/nonexistent/carbonstat", NULL), 0);
	env = (cs_sensor_env){.io = &io};
	assert_int_equal(cs_model_ops.init(&env, &s, why, sizeof why), CS_EUNAVAIL);
	assert_null(s);
	assert_non_null(strstr(why, "/nonexistent/carbonstat/stat is unreadable"));
	assert_int_equal(cs_model_ops.init(NULL, &s, why, sizeof why), CS_EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_normalise),
	    cmocka_unit_test(test_tdp_find),
	    cmocka_unit_test(test_host_model_tdp),
	    cmocka_unit_test(test_host_model_generic),
	    cmocka_unit_test(test_host_model_instance),
	    cmocka_unit_test(test_sources),
	    cmocka_unit_test(test_power_tdp),
	    cmocka_unit_test(test_power_generic_and_instances),
	    cmocka_unit_test(test_sensor_tdp_cycles),
	    cmocka_unit_test(test_sensor_instance_cycles),
	    cmocka_unit_test(test_sensor_builds_own_model),
	    cmocka_unit_test(test_sensor_real_table),
	    cmocka_unit_test(test_ccf_arch_zen4_vm),
	    cmocka_unit_test(test_ccf_arch_order),
	    cmocka_unit_test(test_instance_mem_rule_desc),
	    cmocka_unit_test(test_sensor_unavailable),
	};

	return cmocka_run_group_tests(tests, build_tables, NULL);
}
