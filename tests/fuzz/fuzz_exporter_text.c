/* fuzz_exporter_text.c - libFuzzer target for the text the DogStatsD and
 * JSON-lines exporters build from user and workload strings.
 *
 * Input: fields separated by '\n': [statsd] tags, [statsd] prefix, then the
 * name, pod (also the owner) and cgroup (also the cluster) of a row (any
 * bytes: invalid UTF-8, quotes, control characters), the first two given as
 * CARBONSTAT_STATSD_* variables. statsd: when the
 * configuration takes them, open must either succeed or fail with one line
 * starting "statsd: "; a publish (to 127.0.0.1:9, where nothing listens)
 * must not crash. jsonl: the cycle is written to a temp file, read back, and
 * every line must parse with jansson and carry the row's fields.
 */
#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conf/conf.h"
#include "exporters/exporter.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The next '\n'-separated field of data into out (NUL-terminated, NULs in
 * the input end it early, as in a C string). */
static void field(const uint8_t **p, const uint8_t *end, char *out, size_t cap)
{
	size_t n = 0;

	while (*p < end && **p != '\n') {
		if (n + 1 < cap)
			out[n++] = (char)**p;
		(*p)++;
	}
	if (*p < end)
		(*p)++;
	out[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const cs_conf_section *secs[] = {cs_exporter_statsd.conf, cs_exporter_jsonl.conf};
	const uint8_t *p = data, *end = data + size;
	char tags[300], prefix[80], name[512], pod[512], cgroup[512], why[512], path[64];
	char e_tags[340], e_prefix[120], e_mtu[64], e_path[120];
	char *envp[] = {"CARBONSTAT_STATSD_ADDRESS=127.0.0.1:9", e_tags, e_prefix, e_mtu, e_path,
	                "CARBONSTAT_JSONL_FSYNC=none",           NULL};
	cs_conf_layers layers = {.envp = envp};
	cs_conf *c = NULL;
	cs_snap_row rows[2];
	cs_snapshot s;
	cs_export_env env = {.node = "n", .interval_s = 5};
	void *st = NULL;
	int rc;

	field(&p, end, tags, sizeof(tags));
	field(&p, end, prefix, sizeof(prefix));
	field(&p, end, name, sizeof(name));
	field(&p, end, pod, sizeof(pod));
	field(&p, end, cgroup, sizeof(cgroup));

	memset(rows, 0, sizeof(rows));
	memset(&s, 0, sizeof(s));
	for (int i = 0; i < 2; i++) {
		rows[i].kind = i ? CS_ROW_SYSTEM : CS_ROW_WORKLOAD;
		rows[i].wl_kind = i ? "system" : "container";
		rows[i].name = i ? "system" : name;
		rows[i].namespace_ = i ? "" : "ns";
		rows[i].pod = i ? "" : pod;
		rows[i].container = i ? "" : name;
		rows[i].team = "";
		rows[i].owner_kind = i ? "" : "Deployment";
		rows[i].owner = i ? "" : pod;
		rows[i].container_id = "";
		rows[i].cgroup = i ? "" : cgroup;
		rows[i].energy_uj[CS_PART_CPU] = 1234567;
		rows[i].power_w = 0.25;
	}
	s.node = name;
	s.cluster = cgroup;
	s.version = "0";
	s.seq = 1;
	s.time_ms = 1790000000000LL;
	s.interval_s = 5;
	s.comp[CS_PART_CPU] = (cs_snap_comp){.present = true, .source = pod, .energy_uj = 2469134, .power_w = 0.5};
	s.mode = s.power_model = s.intensity_source = s.intensity_zone = s.intensity_dataset = "";
	s.provider = s.region = s.instance = "";
	s.intensity_g_per_kwh = 300;
	s.pue = 1;
	s.rows = rows;
	s.nrows = 2;

	snprintf(path, sizeof(path), "/tmp/cs_fuzz_jsonl.%ld", (long)getpid());
	snprintf(e_tags, sizeof(e_tags), "CARBONSTAT_STATSD_TAGS=%s", tags);
	snprintf(e_prefix, sizeof(e_prefix), "CARBONSTAT_STATSD_PREFIX=%s", prefix);
	snprintf(e_mtu, sizeof(e_mtu), "CARBONSTAT_STATSD_MTU=%u", 512 + (unsigned)(size % 3) * 4000);
	snprintf(e_path, sizeof(e_path), "CARBONSTAT_JSONL_PATH=%s", path);
	if (cs_conf_build(secs, 2, &layers, &c, why, sizeof(why)) != 0) {
		/* the configuration refuses these tags or this prefix: one line naming the variable */
		if (strncmp(why, "environment CARBONSTAT_STATSD_", 30) != 0 || strchr(why, '\n'))
			abort();
		envp[1] = "CARBONSTAT_STATSD_TAGS=";
		envp[2] = "CARBONSTAT_STATSD_PREFIX=carbonstat";
		if (cs_conf_build(secs, 2, &layers, &c, why, sizeof(why)) != 0)
			abort();
	} else {
		env.conf = cs_conf_get(c, cs_exporter_statsd.conf);
		why[0] = '\0';
		rc = cs_exporter_statsd.open(&env, &st, why, sizeof(why));
		if (rc) {
			if (st || strncmp(why, "statsd: ", 8) != 0 || strchr(why, '\n'))
				abort();
		} else {
			(void)cs_exporter_statsd.publish(st, &s, why, sizeof(why));
			cs_exporter_statsd.close(st);
		}
	}

	env.conf = cs_conf_get(c, cs_exporter_jsonl.conf);
	unlink(path);
	st = NULL;
	if (cs_exporter_jsonl.open(&env, &st, why, sizeof(why)) != 0)
		abort();
	if (cs_exporter_jsonl.publish(st, &s, why, sizeof(why)) != 0)
		abort();
	cs_exporter_jsonl.close(st);
	cs_conf_free(c);
	{
		FILE *f = fopen(path, "r");
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;
		int lines = 0;

		if (!f)
			abort();
		while ((n = getline(&line, &cap, f)) > 0) {
			json_t *o = json_loadb(line, (size_t)n, 0, NULL);

			if (!o || line[n - 1] != '\n' || !json_is_string(json_object_get(o, "node")) ||
			    !json_is_string(json_object_get(o, "cluster")))
				abort();
			if (lines == 1 && (!json_is_string(json_object_get(o, "name")) ||
			                   !json_is_string(json_object_get(o, "cgroup"))))
				abort();
			json_decref(o);
			lines++;
		}
		free(line);
		fclose(f);
		if (lines != 3)
			abort();
	}
	unlink(path);
	return 0;
}
