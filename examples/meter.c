/* examples/meter.c - measure the energy and CO2e of a block of code with the
 * start/stop meter: a CPU-bound loop of about one second, then the report.
 * Build: cc meter.c $(pkg-config --cflags --libs carbonstat) -pthread
 *
 * Usage: example_meter [COUNTRY] (default FR). Works without RAPL: the
 * report then says the energy is modelled, and from which model. */
#include <stdint.h>
#include <stdio.h>
#include <time.h>

#include <carbonstat/error.h>
#include <carbonstat/meter.h>

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Something CPU-bound that the compiler cannot remove: xorshift rounds for
 * `seconds` of wall time. */
static uint64_t busy(double seconds)
{
	uint64_t x = 88172645463325252ull;
	double end = now_s() + seconds;

	while (now_s() < end)
		for (int i = 0; i < 100000; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
		}
	return x;
}

int main(int argc, char **argv)
{
	cs_meter_opts o;
	cs_meter_report r;
	cs_meter *m;
	char why[512] = "";
	uint64_t sink;
	int rc;

	cs_meter_opts_init(&o);
	o.country = argc > 1 ? argv[1] : "FR";
	o.interval_ms = 100;
	o.self_share = 1;
	o.no_metadata = 1; /* an example should not wait for a metadata service */
	o.why = why;
	o.why_cap = sizeof why;

	rc = cs_meter_start(&o, &m);
	if (rc) {
		fprintf(stderr, "example_meter: cannot start the meter: %s\n", why[0] ? why : cs_strerror(rc));
		return 1;
	}
	sink = busy(1.0);
	rc = cs_meter_stop(m, &r);
	cs_meter_free(m);
	if (rc) {
		fprintf(stderr, "example_meter: cannot stop the meter: %s\n", cs_strerror(rc));
		return 1;
	}
	printf("busy loop done (%llx)\n", (unsigned long long)(sink & 0xff));
	cs_meter_report_print(&r, stdout);
	return r.host_energy_j > 0 ? 0 : 1;
}
