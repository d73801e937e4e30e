/* test_detect.c - unit tests for platform/detect (DMI, config, cache) and
 * detection through platform/metadata (the IMDS/GCP/Azure probes against a
 * fake; the metadata parsers alone are in test_metadata.c).
 *
 * DMI comes from the tests/fixtures/dmi-* trees (real values of each cloud and
 * of a Dell and a QEMU box); product_uuid's root-only mode is simulated with
 * an io ops table that answers EACCES. The metadata services are
 * tests/fakes/fake_metadata.py, spawned on 127.0.0.1 per test: every test
 * points every provider URL at a fake, so nothing ever reaches the real
 * 169.254.169.254. Tests that need the fake are skipped when python3 is not
 * there. Cache tests use a fresh mkdtemp() directory.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "carbonstat/error.h"
#include "platform/detect.h"
#include "platform/metadata.h"
#include "io/kfile.h"

#include "fake_server.h"
#include "fixture.h"
#include "require.h"
#include "wait.h"
#include "text.h"

#ifndef CS_FIXTURES_DIR
#error "CS_FIXTURES_DIR must be defined (tests/CMakeLists.txt does)"
#endif
#define FAKE_SCRIPT CS_FIXTURES_DIR "/../fakes/fake_metadata.py"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- helpers ----------------------------------------------------------------- */

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

/* io rooted in tests/fixtures/<name>/{sys,proc}. */
static void fixture_io(cs_io *io, const cs_io_ops *ops, const char *name)
{
	char sys[256], proc[256];

	snprintf(sys, sizeof(sys), "%s/%s/sys", CS_FIXTURES_DIR, name);
	snprintf(proc, sizeof(proc), "%s/%s/proc", CS_FIXTURES_DIR, name);
	assert_int_equal(cs_io_init(io, ops, sys, proc, NULL), 0);
}

/* Starts fake_metadata.py in mode; 0, or -1 if python3 (or the script) is not usable. */
static int fake_start(cs_fake *f, const char *mode)
{
	char *argv[] = {(char *)"python3", (char *)FAKE_SCRIPT, (char *)mode, (char *)"--exit-with-stdin", NULL};

	return cs_fake_start(f, argv);
}

#define FAKE_OR_SKIP(f, mode)                                                                                          \
	do {                                                                                                           \
		if (fake_start((f), (mode)) != 0)                                                                      \
			tf_skip_or_fail("python3", "python3 or %s not usable", FAKE_SCRIPT);                           \
	} while (0)

/* The fake's request log. */
static void fake_requests(const cs_fake *f, tf_buf *out)
{
	char url[128];

	snprintf(url, sizeof(url), "%s/__requests", f->url);
	assert_int_equal(tf_http_get(url, out), 200);
}

/* Options pointing every provider at url (never the real link-local address). */
static cs_cloud_opts opts_for(const char *url)
{
	cs_cloud_opts o;

	memset(&o, 0, sizeof(o));
	o.metadata_url = url;
	o.cache_path = "";
	/* the 1 s default, stretched under sanitizers and valgrind, where a
	 * loaded machine can take longer than that to get the fake's answers */
	o.budget_ms = (unsigned)(tf_scaled_s(1.0) * 1000.0);
	return o;
}

/* A port nobody listens on: connections are refused at once. */
#define DEAD_URL "http://127.0.0.1:9"

/* ---- DMI --------------------------------------------------------------------- */

static void test_dmi_fixtures(void **state)
{
	static const struct {
		const char *fixture;
		cs_dmi_kind kind;
		cs_provider provider;
		const char *instance_type;
	} rows[] = {
	    {"dmi-aws-nitro", CS_DMI_CLOUD, CS_PROVIDER_AWS, "m5.large"},
	    {"dmi-aws-xen", CS_DMI_CLOUD, CS_PROVIDER_AWS, ""},
	    {"dmi-gcp", CS_DMI_CLOUD, CS_PROVIDER_GCP, ""},
	    {"dmi-azure", CS_DMI_CLOUD, CS_PROVIDER_AZURE, ""},
	    {"dmi-baremetal", CS_DMI_NOT_CLOUD, CS_PROVIDER_UNKNOWN, ""},
	    {"dmi-qemu", CS_DMI_INCONCLUSIVE, CS_PROVIDER_UNKNOWN, ""},
	    {"does-not-exist", CS_DMI_ABSENT, CS_PROVIDER_UNKNOWN, ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		cs_io io;
		cs_dmi d;
		cs_dmi_verdict v;

		fixture_io(&io, NULL, rows[i].fixture);
		cs_cloud_read_dmi(&io, &d);
		cs_cloud_dmi_classify(&d, &v);
		print_message("%-16s -> kind %d provider %d type \"%s\" (%s)\n", rows[i].fixture, v.kind, v.provider,
		              v.instance_type, v.evidence);
		assert_int_equal(v.kind, rows[i].kind);
		assert_int_equal(v.provider, rows[i].provider);
		assert_string_equal(v.instance_type, rows[i].instance_type);
		assert_non_null(v.evidence);
		if (rows[i].kind != CS_DMI_ABSENT)
			assert_int_equal(d.readable, 8);
	}
}

static void test_dmi_values(void **state)
{
	cs_io io;
	cs_dmi d;

	(void)state;
	fixture_io(&io, NULL, "dmi-aws-nitro");
	cs_cloud_read_dmi(&io, &d);
	assert_string_equal(d.sys_vendor, "Amazon EC2");
	assert_string_equal(d.board_asset_tag, "i-0123456789abcdef0");
	assert_string_equal(d.product_version, "");
	assert_string_equal(d.product_uuid, "ec2e1916-9099-7caf-fd21-012345678901");
	assert_int_equal(d.uuid_err, 0);
	fixture_io(&io, NULL, "dmi-azure");
	cs_cloud_read_dmi(&io, &d);
	assert_string_equal(d.chassis_asset_tag, "7783-7084-3265-9085-8269-3286-77");
}

/* product_uuid is mode 0400 on a real system: an unprivileged read gets EACCES. */
static void test_dmi_uuid_eacces(void **state)
{
	cs_io io;
	cs_dmi d;
	cs_dmi_verdict v;

	(void)state;
	tf_io_reset();
	tf_io_fail_open("product_uuid", -EACCES);
	fixture_io(&io, &tf_io_ops, "dmi-aws-nitro");
	cs_cloud_read_dmi(&io, &d);
	assert_int_equal(d.readable, 7);
	assert_int_equal(d.uuid_err, -EACCES);
	assert_string_equal(d.product_uuid, "");
	cs_cloud_dmi_classify(&d, &v);
	assert_int_equal(v.provider, CS_PROVIDER_AWS);
	assert_string_equal(v.instance_type, "m5.large");
	/* Xen still detected through bios_version, without the uuid */
	fixture_io(&io, &tf_io_ops, "dmi-aws-xen");
	cs_cloud_read_dmi(&io, &d);
	cs_cloud_dmi_classify(&d, &v);
	assert_int_equal(v.provider, CS_PROVIDER_AWS);
}

static void test_dmi_classify_table(void **state)
{
	static const struct {
		const char *vendor, *product, *bios_vendor, *bios_version, *chassis_tag, *uuid;
		cs_dmi_kind kind;
		cs_provider provider;
		const char *type;
	} rows[] = {
	    /* Hyper-V without the Azure marker: could be any Hyper-V host */
	    {"Microsoft Corporation", "Virtual Machine", "Microsoft Corporation", "Hyper-V UEFI Release v4.1", "", "",
	     CS_DMI_INCONCLUSIVE, CS_PROVIDER_UNKNOWN, ""},
	    {"Microsoft Corporation", "Surface Laptop 5", "Microsoft Corporation", "1.2.3", "", "", CS_DMI_NOT_CLOUD,
	     CS_PROVIDER_UNKNOWN, ""},
	    {"innotek GmbH", "VirtualBox", "innotek GmbH", "VirtualBox", "", "", CS_DMI_NOT_CLOUD, CS_PROVIDER_UNKNOWN,
	     ""},
	    {"LENOVO", "20XWCTO1WW", "LENOVO", "N32ET80W (1.56 )", "No Asset Information", "", CS_DMI_NOT_CLOUD,
	     CS_PROVIDER_UNKNOWN, ""},
	    {"lenovo", "x", "", "", "", "", CS_DMI_NOT_CLOUD, CS_PROVIDER_UNKNOWN, ""},
	    {"Xen", "HVM domU", "Xen", "4.2.1", "", "", CS_DMI_INCONCLUSIVE, CS_PROVIDER_UNKNOWN, ""},
	    {"Xen", "HVM domU", "Xen", "4.2.1", "", "EC2ABCDE-0000-0000-0000-000000000000", CS_DMI_CLOUD,
	     CS_PROVIDER_AWS, ""},
	    {"Xen", "HVM domU", "Xen", "4.2.1", "", "ec2abcde-0000-0000-0000-000000000000", CS_DMI_CLOUD,
	     CS_PROVIDER_AWS, ""},
	    /* a random uuid starting with ec2 on a Dell is still a Dell */
	    {"Dell Inc.", "PowerEdge R750", "Dell Inc.", "1.0", "", "ec2ab000-0000-0000-0000-000000000000",
	     CS_DMI_NOT_CLOUD, CS_PROVIDER_UNKNOWN, ""},
	    {"Amazon EC2", "m7g.metal", "Amazon EC2", "1.0", "Amazon EC2", "", CS_DMI_CLOUD, CS_PROVIDER_AWS,
	     "m7g.metal"},
	    /* never trust product_name blindly */
	    {"Amazon EC2", "m5.large; rm -rf /", "Amazon EC2", "1.0", "", "", CS_DMI_CLOUD, CS_PROVIDER_AWS, ""},
	    {"Amazon EC2", "Not Specified", "Amazon EC2", "1.0", "", "", CS_DMI_CLOUD, CS_PROVIDER_AWS, ""},
	    {"", "", "Amazon EC2", "1.0", "", "", CS_DMI_CLOUD, CS_PROVIDER_AWS, ""},
	    {"", "Google Compute Engine", "", "", "", "", CS_DMI_CLOUD, CS_PROVIDER_GCP, ""},
	    {"QEMU", "Standard PC (i440FX + PIIX, 1996)", "SeaBIOS", "1.16.2", "", "", CS_DMI_INCONCLUSIVE,
	     CS_PROVIDER_UNKNOWN, ""},
	    {"OpenStack Foundation", "OpenStack Nova", "SeaBIOS", "1.15", "", "", CS_DMI_INCONCLUSIVE,
	     CS_PROVIDER_UNKNOWN, ""},
	    {"VMware, Inc.", "VMware7,1", "VMware, Inc.", "VMW71.00V", "No Asset Tag", "", CS_DMI_INCONCLUSIVE,
	     CS_PROVIDER_UNKNOWN, ""},
	    {"", "", "", "", "", "", CS_DMI_INCONCLUSIVE, CS_PROVIDER_UNKNOWN, ""},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		cs_dmi d;
		cs_dmi_verdict v;

		memset(&d, 0, sizeof(d));
		snprintf(d.sys_vendor, sizeof(d.sys_vendor), "%s", rows[i].vendor);
		snprintf(d.product_name, sizeof(d.product_name), "%s", rows[i].product);
		snprintf(d.bios_vendor, sizeof(d.bios_vendor), "%s", rows[i].bios_vendor);
		snprintf(d.bios_version, sizeof(d.bios_version), "%s", rows[i].bios_version);
		snprintf(d.chassis_asset_tag, sizeof(d.chassis_asset_tag), "%s", rows[i].chassis_tag);
		snprintf(d.product_uuid, sizeof(d.product_uuid), "%s", rows[i].uuid);
		d.readable = 8;
		cs_cloud_dmi_classify(&d, &v);
		if (v.kind != rows[i].kind || v.provider != rows[i].provider)
			print_message("row %zu (%s / %s): kind %d provider %d\n", i, rows[i].vendor, rows[i].product,
			              v.kind, v.provider);
		assert_int_equal(v.kind, rows[i].kind);
		assert_int_equal(v.provider, rows[i].provider);
		assert_string_equal(v.instance_type, rows[i].type);
	}
}

/* ---- detection without metadata ---------------------------------------------- */

static void test_detect_config_only(void **state)
{
	cs_io io;
	cs_cloud_opts o = opts_for(DEAD_URL);
	cs_cloud_info ci;

	(void)state;
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-baremetal");
	o.provider = CS_PROVIDER_AZURE;
	o.instance_type = "D2s v3"; /* user spelling: blanks allowed in configuration */
	o.region = "westeurope";
	o.metadata = CS_CLOUD_MD_FORCE;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_AZURE);
	assert_string_equal(ci.instance_type, "D2s v3");
	assert_string_equal(ci.region, "westeurope");
	assert_string_equal(ci.source, "config");
	assert_string_equal(ci.instance_source, "config");
	assert_string_equal(ci.region_source, "config");
	assert_string_equal(ci.why, "");
	assert_true(io.opens == 0); /* nothing read: configuration settles it */
}

static void test_detect_nitro_dmi(void **state)
{
	cs_io io;
	cs_cloud_opts o = opts_for(DEAD_URL);
	cs_cloud_info ci;

	(void)state;
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-aws-nitro");
	o.metadata = CS_CLOUD_MD_OFF;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_AWS);
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.region, "");
	assert_string_equal(ci.source, "dmi");
	assert_string_equal(ci.instance_source, "dmi");
	assert_string_equal(ci.region_source, "none");
	print_message("why: %s\n", ci.why);
	assert_non_null(strstr(ci.why, "region unknown"));
	assert_non_null(strstr(ci.why, "disabled"));

	/* configured region + DMI type: complete, no metadata needed even in AUTO */
	cs_cloud_forget();
	o = opts_for(DEAD_URL);
	o.region = "eu-central-1";
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.region, "eu-central-1");
	assert_string_equal(ci.source, "dmi");
	assert_string_equal(ci.region_source, "config");
	assert_string_equal(ci.why, "");
}

static void test_detect_baremetal_skips_metadata(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	tf_buf log = {0};
	double t0;

	(void)state;
	FAKE_OR_SKIP(&f, "aws");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-baremetal");
	o = opts_for(f.url);
	t0 = now_ms();
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_true(now_ms() - t0 < 200);
	assert_int_equal(ci.provider, CS_PROVIDER_UNKNOWN);
	assert_string_equal(ci.source, "none");
	print_message("why: %s\n", ci.why);
	assert_non_null(strstr(ci.why, "Dell Inc."));
	assert_non_null(strstr(ci.why, "not asked"));
	fake_requests(&f, &log);
	assert_string_equal(log.data, ""); /* not a single request */

	/* forced: asks anyway */
	cs_cloud_forget();
	o.metadata = CS_CLOUD_MD_FORCE;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_AWS);
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.source, "imds-aws");
	tf_buf_free(&log);
	cs_fake_stop(&f);
}

/* ---- metadata against the fake ------------------------------------------------ */

static void test_md_aws_imdsv2(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	tf_buf log = {0};
	char *first_nl;

	(void)state;
	FAKE_OR_SKIP(&f, "aws");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-qemu"); /* inconclusive: every provider is asked */
	o = opts_for(f.url);
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	print_message("aws v2: %s %s %s %s in %.1f ms\n", ci.source, ci.instance_type, ci.region, ci.zone,
	              ci.elapsed_ms);
	assert_int_equal(ci.provider, CS_PROVIDER_AWS);
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.region, "eu-west-1");
	assert_string_equal(ci.zone, "eu-west-1a");
	assert_string_equal(ci.instance_id, "i-0123456789abcdef0");
	assert_string_equal(ci.instance_name, "");
	assert_string_equal(ci.source, "imds-aws");
	assert_string_equal(ci.why, "");
	fake_requests(&f, &log);
	print_message("%s", log.data);
	/* the token PUT came with the TTL header, every AWS GET carried the token */
	assert_non_null(strstr(log.data, "PUT /latest/api/token token=no ttl=21600\n"));
	assert_non_null(strstr(log.data, "GET /latest/meta-data/instance-type token=yes"));
	assert_non_null(strstr(log.data, "GET /latest/meta-data/placement/region token=yes"));
	assert_non_null(strstr(log.data, "GET /latest/meta-data/placement/availability-zone token=yes"));
	assert_null(strstr(log.data, "/latest/meta-data/instance-type token=no"));
	/* and the PUT came before the first AWS GET */
	first_nl = strstr(log.data, "/latest/meta-data/");
	assert_non_null(first_nl);
	assert_true(strstr(log.data, "PUT /latest/api/token") < first_nl);
	tf_buf_free(&log);
	cs_fake_stop(&f);
}

static void test_md_aws_imdsv1(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	cs_md_opts mo;
	cs_md_result mr;
	tf_buf log = {0};

	(void)state;
	FAKE_OR_SKIP(&f, "aws-v1");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-aws-xen"); /* AWS by DMI: only AWS is asked */
	o = opts_for(f.url);
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_AWS);
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.region, "eu-west-1");
	assert_string_equal(ci.source, "imds-aws");
	fake_requests(&f, &log);
	assert_non_null(strstr(log.data, "GET /latest/meta-data/instance-type token=no"));
	assert_null(strstr(log.data, "/computeMetadata/"));
	assert_null(strstr(log.data, "/metadata/instance"));

	memset(&mo, 0, sizeof(mo));
	mo.mask = CS_MD_BIT(CS_PROVIDER_AWS);
	mo.url[CS_PROVIDER_AWS] = f.url;
	assert_int_equal(cs_md_probe(&mo, &mr), 0);
	assert_true(mr.aws_v1);
	assert_int_equal(mr.requests, 5); /* token PUT, type, region, zone, instance id */
	assert_string_equal(mr.values.instance_id, "i-0123456789abcdef0");
	tf_buf_free(&log);
	cs_fake_stop(&f);
}

static void test_md_gcp(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	tf_buf log = {0};

	(void)state;
	FAKE_OR_SKIP(&f, "gcp");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-gcp");
	o = opts_for(f.url);
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_GCP);
	assert_string_equal(ci.instance_type, "e2-standard-2");
	assert_string_equal(ci.region, "europe-west1");
	assert_string_equal(ci.zone, "europe-west1-b");
	assert_string_equal(ci.instance_id, "4520031799277581759");
	assert_string_equal(ci.instance_name, "carbonstat-test-vm");
	assert_string_equal(ci.source, "metadata-gcp");
	assert_string_equal(ci.instance_source, "metadata-gcp");
	fake_requests(&f, &log);
	assert_null(strstr(log.data, "/latest/api/token")); /* DMI said GCP: AWS not asked */

	/* inconclusive DMI: all three asked, the GCP fake's 403s to others are ignored */
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-qemu");
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_GCP);
	assert_string_equal(ci.instance_type, "e2-standard-2");
	tf_buf_free(&log);
	cs_fake_stop(&f);
}

static void test_md_azure(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;

	(void)state;
	FAKE_OR_SKIP(&f, "azure");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-azure");
	o = opts_for(f.url);
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_AZURE);
	assert_string_equal(ci.instance_type, "Standard_D2s_v3");
	assert_string_equal(ci.region, "westeurope");
	assert_string_equal(ci.zone, "1");
	assert_string_equal(ci.instance_id,
	                    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
	                    "rg-carbonstat/providers/Microsoft.Compute/virtualMachines/carbonstat-test-vm");
	assert_string_equal(ci.instance_name, "carbonstat-test-vm");
	assert_string_equal(ci.source, "imds-azure");
	cs_fake_stop(&f);
}

/* Per-provider URLs: each provider on its own fake, DMI inconclusive. */
static void test_md_per_provider_urls(void **state)
{
	cs_fake azure, dead;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;

	(void)state;
	FAKE_OR_SKIP(&azure, "azure");
	if (fake_start(&dead, "404") != 0) {
		cs_fake_stop(&azure);
		tf_skip_or_fail("python3", "python3 or %s not usable", FAKE_SCRIPT);
	}
	cs_cloud_forget();
	fixture_io(&io, NULL, "does-not-exist"); /* no DMI at all */
	o = opts_for(dead.url);
	o.azure_url = azure.url;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_AZURE);
	assert_string_equal(ci.instance_type, "Standard_D2s_v3");
	cs_fake_stop(&azure);
	cs_fake_stop(&dead);
}

static void test_md_slow_budget(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	double t0, dt;

	(void)state;
	FAKE_OR_SKIP(&f, "slow");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-qemu");
	o = opts_for(f.url);
	o.budget_ms = 0; /* the default budget: 1000 ms */
	t0 = now_ms();
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	dt = now_ms() - t0;
	print_message("slow: %.1f ms (reported %.1f), why: %s\n", dt, ci.elapsed_ms, ci.why);
	assert_true(dt <= 1000.0 + tf_scaled_s(0.3) * 1000.0);
	assert_true(dt >= 900.0);
	assert_int_equal(ci.provider, CS_PROVIDER_UNKNOWN);
	assert_string_equal(ci.source, "none");
	assert_non_null(strstr(ci.why, "within 1000 ms"));

	/* a smaller budget is honoured too */
	cs_cloud_forget();
	o.budget_ms = 300;
	t0 = now_ms();
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	dt = now_ms() - t0;
	assert_true(dt <= 300.0 + tf_scaled_s(0.3) * 1000.0);
	cs_fake_stop(&f);
}

static void test_md_failures(void **state)
{
	static const struct {
		const char *mode, *fixture, *why;
	} rows[] = {
	    {"404", "dmi-qemu", "HTTP 404"},
	    {"garbage", "dmi-qemu", "invalid token"},
	    {"garbage", "dmi-gcp", "lacks Metadata-Flavor: Google"},
	    {"garbage", "dmi-azure", "not the expected JSON"},
	    {"huge", "dmi-gcp", "size cap"},
	    {"huge", "dmi-azure", "size cap"},
	    /* another cloud's server: AWS PUT 404 -> IMDSv1 GET -> 403 (no Metadata-Flavor) */
	    {"gcp", "dmi-aws-nitro", "HTTP 403"},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(rows); i++) {
		cs_fake f;
		cs_io io;
		cs_cloud_opts o;
		cs_cloud_info ci;

		FAKE_OR_SKIP(&f, rows[i].mode);
		cs_cloud_forget();
		fixture_io(&io, NULL, rows[i].fixture);
		o = opts_for(f.url);
		assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
		print_message("%s/%s: source %s, why: %s\n", rows[i].mode, rows[i].fixture, ci.source, ci.why);
		assert_string_equal(ci.region, "");
		assert_true(ci.elapsed_ms < 1000.0 + tf_scaled_s(0.3) * 1000.0);
		if (strcmp(rows[i].fixture, "dmi-qemu") == 0) {
			assert_int_equal(ci.provider, CS_PROVIDER_UNKNOWN);
			assert_string_equal(ci.source, "none");
			assert_string_equal(ci.instance_type, "");
		} else {
			assert_string_equal(ci.source, "dmi"); /* DMI still names the provider */
		}
		assert_non_null(strstr(ci.why, rows[i].why));
		cs_fake_stop(&f);
	}
}

static void test_md_connection_refused(void **state)
{
	cs_io io;
	cs_cloud_opts o = opts_for(DEAD_URL);
	cs_cloud_info ci;

	(void)state;
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-qemu");
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.source, "none");
	assert_true(ci.elapsed_ms < tf_scaled_s(0.5) * 1000.0);
	assert_non_null(strstr(ci.why, "aws: token PUT"));
	assert_non_null(strstr(ci.why, "gcp:"));
	assert_non_null(strstr(ci.why, "azure:"));
}

/* ---- caches ------------------------------------------------------------------- */

static void cache_dir(char *dir, size_t cap, char *path, size_t pcap)
{
	snprintf(dir, cap, "/tmp/cs-test-cloud-XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, pcap, "%s/sub/cloud.json", dir); /* parent created on write */
}

static void cache_cleanup(const char *dir, const char *path)
{
	char sub[300];

	unlink(path);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	rmdir(sub);
	rmdir(dir);
}

static void write_file(const char *path, const char *text, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, len), (ssize_t)len);
	close(fd);
}

static void test_cache_file(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	char dir[64], path[128], buf[4096];
	struct stat st;
	FILE *fp;
	size_t n;

	(void)state;
	FAKE_OR_SKIP(&f, "aws");
	cache_dir(dir, sizeof(dir), path, sizeof(path));
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-aws-nitro");
	o = opts_for(f.url);
	o.cache_path = path;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.source, "imds-aws");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	fp = fopen(path, "r");
	assert_non_null(fp);
	n = fread(buf, 1, sizeof(buf) - 1, fp);
	fclose(fp);
	buf[n] = '\0';
	print_message("cache: %s", buf);
	assert_non_null(strstr(buf, "\"instance_type\":\"m5.large\""));
	assert_null(strstr(buf, "ec2e1916")); /* the root-only uuid is hashed, not stored */

	/* a new process of the same boot: served from the file, no network */
	cs_fake_stop(&f);
	cs_cloud_forget();
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.source, "cache");
	assert_string_equal(ci.instance_source, "imds-aws");
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.instance_id, "i-0123456789abcdef0");
	assert_string_equal(ci.region, "eu-west-1");
	assert_string_equal(ci.zone, "eu-west-1a");
	assert_true(ci.elapsed_ms < tf_scaled_s(0.1) * 1000.0);

	/* another boot (or a moved disk): key differs, the entry is not used */
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-aws-nitro");
	snprintf(io.procfs_root, sizeof(io.procfs_root), "%s/dmi-gcp/proc", CS_FIXTURES_DIR);
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.source, "dmi"); /* fake is gone: DMI only */
	assert_string_equal(ci.instance_type, "m5.large");
	assert_string_equal(ci.region, "");
	cache_cleanup(dir, path);
}

static void test_cache_corrupt(void **state)
{
	static const char *const junk[] = {
	    "", "{", "\x00\x01\x02garbage", "[1,2,3]", "{\"version\":1}", "{\"version\":2,\"key\":\"x\"}",
	};
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info ci;
	char dir[64], path[128], subdir[128];
	size_t i;

	(void)state;
	FAKE_OR_SKIP(&f, "azure");
	cache_dir(dir, sizeof(dir), path, sizeof(path));
	snprintf(subdir, sizeof(subdir), "%s/sub", dir);
	assert_int_equal(mkdir(subdir, 0700), 0);
	fixture_io(&io, NULL, "dmi-azure");
	o = opts_for(f.url);
	o.cache_path = path;
	for (i = 0; i < ARRAY_LEN(junk); i++) {
		write_file(path, junk[i], i == 2 ? 11 : strlen(junk[i]));
		cs_cloud_forget();
		assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
		assert_string_equal(ci.source, "imds-azure"); /* ignored, asked again */
		assert_string_equal(ci.instance_type, "Standard_D2s_v3");
	}
	/* the last run rewrote a good entry */
	cs_cloud_forget();
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.source, "cache");
	/* a world-writable cache could be anyone's lie */
	assert_int_equal(chmod(path, 0666), 0);
	cs_cloud_forget();
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), 0);
	assert_string_equal(ci.source, "imds-azure");
	cs_fake_stop(&f);
	cache_cleanup(dir, path);
}

static void test_cache_parse(void **state)
{
	static const char good[] =
	    "{\"version\":1,\"key\":\"00112233aabbccdd\",\"written\":1000000,\"provider\":\"gcp\","
	    "\"instance_type\":\"e2-standard-2\",\"region\":\"europe-west1\",\"zone\":\"europe-west1-b\","
	    "\"source\":\"metadata-gcp\",\"instance_source\":\"metadata-gcp\","
	    "\"region_source\":\"metadata-gcp\",\"why\":\"\"}";
	static const char negative[] =
	    "{\"version\":1,\"key\":\"k\",\"written\":1000000,\"provider\":\"unknown\",\"instance_type\":\"\","
	    "\"region\":\"\",\"zone\":\"\",\"source\":\"none\",\"instance_source\":\"none\","
	    "\"region_source\":\"none\",\"why\":\"no metadata service answered\"}";
	static const char *const bad[] = {
	    /* name with a blank */
	    "{\"version\":1,\"key\":\"k\",\"written\":1000000,\"provider\":\"aws\",\"instance_type\":\"m5 large\","
	    "\"region\":\"\",\"zone\":\"\",\"instance_source\":\"dmi\",\"region_source\":\"none\",\"why\":\"\"}",
	    /* unknown provider */
	    "{\"version\":1,\"key\":\"k\",\"written\":1000000,\"provider\":\"ibm\",\"instance_type\":\"\","
	    "\"region\":\"\",\"zone\":\"\",\"instance_source\":\"dmi\",\"region_source\":\"none\",\"why\":\"\"}",
	    /* "cache" is never a stored source */
	    "{\"version\":1,\"key\":\"k\",\"written\":1000000,\"provider\":\"aws\",\"instance_type\":\"\","
	    "\"region\":\"\",\"zone\":\"\",\"instance_source\":\"cache\",\"region_source\":\"none\",\"why\":\"\"}",
	    /* control character in why */
	    "{\"version\":1,\"key\":\"k\",\"written\":1000000,\"provider\":\"aws\",\"instance_type\":\"\","
	    "\"region\":\"\",\"zone\":\"\",\"instance_source\":\"dmi\",\"region_source\":\"none\",\"why\":\"\\u001b["
	    "31m\"}",
	    /* duplicate key */
	    "{\"version\":1,\"key\":\"k\",\"key\":\"k\",\"written\":1000000,\"provider\":\"aws\",\"instance_type\":"
	    "\"\","
	    "\"region\":\"\",\"zone\":\"\",\"instance_source\":\"dmi\",\"region_source\":\"none\",\"why\":\"\"}",
	    /* missing written */
	    "{\"version\":1,\"key\":\"k\",\"provider\":\"aws\",\"instance_type\":\"\","
	    "\"region\":\"\",\"zone\":\"\",\"instance_source\":\"dmi\",\"region_source\":\"none\",\"why\":\"\"}",
	};
	cs_cloud_info ci;
	size_t i;

	(void)state;
	assert_int_equal(cs_cloud_cache_parse(good, strlen(good), "00112233aabbccdd", 1000000 + 60, 0, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_GCP);
	assert_string_equal(ci.instance_type, "e2-standard-2");
	assert_string_equal(ci.source, "cache");
	assert_string_equal(ci.region_source, "metadata-gcp");
	/* wrong key, expired, from the future, empty key */
	assert_int_equal(cs_cloud_cache_parse(good, strlen(good), "ffffffffffffffff", 1000060, 0, &ci), CS_EINVAL);
	assert_int_equal(cs_cloud_cache_parse(good, strlen(good), "00112233aabbccdd", 1000000 + 86401, 0, &ci),
	                 CS_EINVAL);
	assert_int_equal(cs_cloud_cache_parse(good, strlen(good), "00112233aabbccdd", 1000000 + 100, 60, &ci),
	                 CS_EINVAL);
	assert_int_equal(cs_cloud_cache_parse(good, strlen(good), "00112233aabbccdd", 999999, 0, &ci), CS_EINVAL);
	assert_int_equal(cs_cloud_cache_parse(good, strlen(good), "", 1000060, 0, &ci), CS_EINVAL);
	/* "nothing found" lives one hour at most */
	assert_int_equal(cs_cloud_cache_parse(negative, strlen(negative), "k", 1000000 + 3000, 0, &ci), 0);
	assert_int_equal(ci.provider, CS_PROVIDER_UNKNOWN);
	assert_string_equal(ci.why, "no metadata service answered");
	assert_int_equal(cs_cloud_cache_parse(negative, strlen(negative), "k", 1000000 + 3700, 0, &ci), CS_EINVAL);
	/* ... unless it is this boot's (the key holds the boot id): then for the
	 * whole TTL, a day (issue 15: per boot, not re-probed every hour) */
	{
		static const char boot_negative[] =
		    "{\"version\":1,\"key\":\"k\",\"written\":1000000,\"boot\":true,\"provider\":\"unknown\","
		    "\"instance_type\":\"\",\"region\":\"\",\"zone\":\"\",\"source\":\"none\",\"instance_source\":"
		    "\"none\",\"region_source\":\"none\",\"why\":\"no metadata service answered\"}";

		assert_int_equal(
		    cs_cloud_cache_parse(boot_negative, strlen(boot_negative), "k", 1000000 + 3700, 0, &ci), 0);
		assert_int_equal(ci.provider, CS_PROVIDER_UNKNOWN);
		assert_int_equal(
		    cs_cloud_cache_parse(boot_negative, strlen(boot_negative), "k", 1000000 + 86401, 0, &ci),
		    CS_EINVAL);
	}
	for (i = 0; i < ARRAY_LEN(bad); i++)
		if (cs_cloud_cache_parse(bad[i], strlen(bad[i]), "k", 1000060, 0, &ci) != CS_EINVAL)
			fail_msg("accepted bad cache entry %zu", i);
}

static void test_process_cache(void **state)
{
	cs_fake f;
	cs_io io;
	cs_cloud_opts o;
	cs_cloud_info a, b;

	(void)state;
	FAKE_OR_SKIP(&f, "gcp");
	cs_cloud_forget();
	fixture_io(&io, NULL, "dmi-gcp");
	o = opts_for(f.url);
	assert_int_equal(cs_cloud_detect(&io, &o, &a), 0);
	assert_string_equal(a.source, "metadata-gcp");
	assert_true(a.elapsed_ms > 0);
	cs_fake_stop(&f); /* a second detection would fail now */
	assert_int_equal(cs_cloud_detect(&io, &o, &b), 0);
	assert_string_equal(b.source, "metadata-gcp");
	assert_string_equal(b.instance_type, "e2-standard-2");
	assert_true(b.elapsed_ms == 0.0);
	/* configuration is overlaid on the kept result on every call */
	o.zone = "europe-west1-c";
	assert_int_equal(cs_cloud_detect(&io, &o, &b), 0);
	assert_string_equal(b.zone, "europe-west1-c");
	assert_string_equal(b.region, "europe-west1");
	cs_cloud_forget();
	assert_int_equal(cs_cloud_detect(&io, &o, &b), 0);
	assert_string_equal(b.source, "dmi"); /* forgotten: detected again, fake gone */
	assert_int_equal(b.provider, CS_PROVIDER_GCP);
	assert_string_equal(b.instance_type, "");
	assert_non_null(strstr(b.why, "instance type and region unknown"));
}

static void test_bad_args(void **state)
{
	cs_io io;
	cs_cloud_opts o = opts_for(DEAD_URL);
	cs_cloud_info ci;
	cs_md_opts mo;
	cs_md_result mr;
	char long_name[80];

	(void)state;
	fixture_io(&io, NULL, "dmi-baremetal");
	assert_int_equal(cs_cloud_detect(NULL, &o, &ci), CS_EINVAL);
	assert_int_equal(cs_cloud_detect(&io, &o, NULL), CS_EINVAL);
	o.metadata_url = "https://169.254.169.254";
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), CS_EINVAL);
	o = opts_for(DEAD_URL);
	o.gcp_url = "http://in valid";
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), CS_EINVAL);
	o = opts_for(DEAD_URL);
	memset(long_name, 'a', sizeof(long_name) - 1);
	long_name[sizeof(long_name) - 1] = '\0';
	o.instance_type = long_name;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), CS_ERANGE);
	o.instance_type = "m5.large\n";
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), CS_EINVAL);
	o = opts_for(DEAD_URL);
	o.provider = (cs_provider)7;
	assert_int_equal(cs_cloud_detect(&io, &o, &ci), CS_EINVAL);

	memset(&mo, 0, sizeof(mo));
	assert_int_equal(cs_md_probe(&mo, &mr), 0); /* asks nobody */
	assert_int_equal(mr.provider, CS_PROVIDER_UNKNOWN);
	assert_int_equal(mr.requests, 0);
	mo.mask = 1u << 9;
	assert_int_equal(cs_md_probe(&mo, &mr), CS_EINVAL);
	assert_int_equal(cs_md_probe(NULL, &mr), CS_EINVAL);
}

static void test_default_cache_path(void **state)
{
	char p[512], small[8];

	(void)state;
	assert_int_equal(cs_cloud_cache_default_path(p, sizeof(p)), 0);
	if (geteuid() == 0)
		assert_string_equal(p, "/var/cache/carbonstat/cloud.json");
	else
		assert_non_null(strstr(p, "/carbonstat/cloud.json"));
	assert_int_equal(cs_cloud_cache_default_path(small, sizeof(small)), CS_ERANGE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test_teardown(test_dmi_fixtures, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_dmi_values, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_dmi_uuid_eacces, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_dmi_classify_table, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_detect_config_only, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_detect_nitro_dmi, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_detect_baremetal_skips_metadata, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_aws_imdsv2, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_aws_imdsv1, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_gcp, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_azure, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_per_provider_urls, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_slow_budget, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_failures, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_md_connection_refused, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_cache_file, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_cache_corrupt, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_cache_parse, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_process_cache, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_bad_args, cs_fake_stop_all),
	    cmocka_unit_test_teardown(test_default_cache_path, cs_fake_stop_all),
	};
	int rc;

	/* the fakes must be reached directly whatever the environment says */
	unsetenv("http_proxy");
	unsetenv("HTTP_PROXY");
	curl_global_init(CURL_GLOBAL_DEFAULT);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	curl_global_cleanup();
	return tf_exit(rc);
}
