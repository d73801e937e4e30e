/* plan/geo.c - great-circle distance (see geo.h). */
#include <math.h>

#include <carbonstat/error.h>

#include "plan/geo.h"

double plan_great_circle_km(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg)
{
	const double rad = M_PI / 180.0;
	double p1 = lat1_deg * rad, p2 = lat2_deg * rad;
	double dp = p2 - p1, dl = (lon2_deg - lon1_deg) * rad;
	double a = sin(dp / 2) * sin(dp / 2) + cos(p1) * cos(p2) * sin(dl / 2) * sin(dl / 2);

	/* haversine: well conditioned for small distances; clamp rounding above 1 */
	return 2.0 * PLAN_EARTH_RADIUS_KM * asin(sqrt(a < 1.0 ? a : 1.0));
}

int plan_region_km(const cs_region *a, const cs_region *b, double *km)
{
	double la, oa, lb, ob;

	if (cs_region_coords(a, &la, &oa, NULL) || cs_region_coords(b, &lb, &ob, NULL))
		return CS_ENODATA;
	*km = plan_great_circle_km(la, oa, lb, ob);
	return 0;
}
