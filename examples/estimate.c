/* examples/estimate.c - the smallest libcarbonstat program: estimate a month
 * of an AWS m5.large at 30 % CPU in Ireland, and say where the figures came
 * from. Build: cc estimate.c $(pkg-config --cflags --libs carbonstat) */
#include <stdio.h>

#include <carbonstat/carbonstat.h>

int main(void)
{
	cs_estimate_req req;
	cs_estimate e;
	int rc;

	cs_estimate_req_init(&req);
	req.provider = CS_PROVIDER_AWS;
	req.instance = "m5.large";
	req.region = "eu-west-1";
	req.cpu = 0.30;
	req.duration_s = 730 * 3600.0; /* one month, CCF's 730 h */

	rc = cs_estimate_run(&req, &e);
	if (rc) {
		fprintf(stderr, "estimate failed: %s\n", cs_strerror(rc));
		return 1;
	}
	/* Rows are opaque: read them through their accessors. */
	printf("%s in %s: %.2f W, %.2f kWh, %.0f gCO2e (%.0f operational + %.0f embodied)\n",
	       cs_instance_name(e.instance), cs_region_name(e.region), e.power.total_w, e.energy_kwh, e.total_g,
	       e.operational_g, e.embodied_g);
	printf("power from %s (%s, %d); intensity from %s (%d)\n", cs_dataset_id(e.prov.power),
	       cs_dataset_license(e.prov.power), cs_dataset_year(e.prov.power), cs_dataset_id(e.prov.intensity),
	       e.prov.intensity_year);
	return 0;
}
