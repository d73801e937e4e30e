/* plan/geo.h - distances between cloud regions, for --near.
 *
 * Great-circle distance on a sphere (haversine), between the coordinates of
 * the built-in region table (cs_region_coords: the city each provider names
 * for the region). A sphere is within 0.5 % of the ellipsoid, well inside
 * the uncertainty of "which building in which metro area".
 */
#ifndef CS_PLAN_GEO_H
#define CS_PLAN_GEO_H

#include <carbonstat/dataset.h>

/* IUGG mean Earth radius. */
#define PLAN_EARTH_RADIUS_KM 6371.0088

double plan_great_circle_km(double lat1_deg, double lon1_deg, double lat2_deg, double lon2_deg);

/* Distance between two regions: 0 and *km, or CS_ENODATA if either has no
 * coordinates. */
int plan_region_km(const cs_region *a, const cs_region *b, double *km);

#endif
