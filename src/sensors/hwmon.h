/* sensors/hwmon.h - finding hwmon devices, shared by the hwmon sensors
 * (hwmon_amd_energy.c, hwmon_amdgpu.c).
 *
 * A hwmon driver is recognised by the one-line `name` file of each
 * class/hwmon/hwmonN device; N is not stable across boots, so devices are
 * enumerated in numeric order and matched by name. Init-time only: these
 * list directories and allocate; read() never calls them.
 */
#ifndef CS_SENSORS_HWMON_H
#define CS_SENSORS_HWMON_H

#include <stddef.h>

#include "io/kfile.h"

/* sysfs-relative directory of the hwmon class. */
#define CS_HWMON_DIR "class/hwmon"

/* Numbers K of the entries "<prefix>K<suffix>" in dir (K <= 1000000),
 * sorted, into a malloc()ed *out (NULL when none) of *nout. Returns 0,
 * -errno from opendir, or CS_ENOMEM. */
int cs_hwmon_list_numbered(const char *dir, const char *prefix, const char *suffix, unsigned **out, size_t *nout);

/* Numbers N of the class/hwmon/hwmonN devices whose name file reads
 * `name`, in numeric order, into a malloc()ed *out of *nout (0 when none:
 * the caller words that message). dir gets the absolute class/hwmon path,
 * for messages. With no class/hwmon, CS_EUNAVAIL; if it cannot be listed,
 * the error; both with why set. */
int cs_hwmon_find(cs_io *io, const char *name, char *dir, size_t dircap, unsigned **out, size_t *nout, char *why,
                  size_t whycap);

#endif
