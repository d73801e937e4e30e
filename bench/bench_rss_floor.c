/* bench/bench_rss_floor.c - the resident memory a process pays for the
 * agent's libraries before carbonstat does any work of its own.
 *
 * It links what the agent links (libcurl, libmicrohttpd, GnuTLS, jansson,
 * libyaml, libcrypt, inih; through carbonstat_static) and does what the agent
 * does at start-up with them, nothing else: curl_global_init (which also
 * initialises libcurl's TLS and SSH back ends) and an HTTP daemon with its
 * listening thread. VmRSS / RssAnon / RssFile are printed after loading
 * (main entered) and after that start-up. The agent's own memory at N
 * containers is then its VmRSS minus this floor (bench/agent_bench.sh prints
 * both).
 * Usage: bench_rss_floor            (no arguments; Linux /proc only)
 */
#include <curl/curl.h>
#include <microhttpd.h>
#include <stdio.h>
#include <string.h>

static long status_kb(const char *key)
{
	char line[256];
	size_t klen = strlen(key);
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (strncmp(line, key, klen) == 0 && line[klen] == ':') {
			(void)sscanf(line + klen + 1, "%ld", &v);
			break;
		}
	fclose(f);
	return v;
}

static void report(const char *when)
{
	printf("%-34s VmRSS %6.1f MB  RssAnon %5.1f MB  RssFile %5.1f MB\n", when, status_kb("VmRSS") / 1024.0,
	       status_kb("RssAnon") / 1024.0, status_kb("RssFile") / 1024.0);
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *data, size_t *size, void **con_cls)
{
	(void)cls, (void)c, (void)url, (void)method, (void)version, (void)data, (void)size, (void)con_cls;
	return MHD_NO;
}

int main(void)
{
	struct MHD_Daemon *d;

	report("libraries loaded (main entered)");
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		fprintf(stderr, "bench_rss_floor: curl_global_init failed\n");
		return 1;
	}
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG, 0, NULL, NULL, answer, NULL,
	                     MHD_OPTION_END);
	if (!d) {
		fprintf(stderr, "bench_rss_floor: cannot start an HTTP daemon on an ephemeral port\n");
		return 1;
	}
	report("+ curl_global_init + HTTP daemon");
	MHD_stop_daemon(d);
	curl_global_cleanup();
	return 0;
}
