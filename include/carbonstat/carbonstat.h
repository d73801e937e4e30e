/* carbonstat/carbonstat.h - umbrella header for libcarbonstat.
 *
 * #include <carbonstat/carbonstat.h> and link with `pkg-config --libs carbonstat`.
 */
#ifndef CARBONSTAT_CARBONSTAT_H
#define CARBONSTAT_CARBONSTAT_H

#include <carbonstat/error.h>
#include <carbonstat/dataset.h>
#include <carbonstat/model.h>
#include <carbonstat/meter.h>
#include <carbonstat/version.h>

#endif
