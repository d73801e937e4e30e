/* sensors/registry.h - the method tables of every sensor, in probe order.
 *
 * cs_sensor_registry[] (declared in sensor.h, defined in registry.c) lists
 * them as: rapl, amd_energy, amdgpu, nvml, model. The order is a policy the
 * caller relies on:
 *   - rapl and amd_energy measure the same CPU packages on AMD hosts (powercap
 *     on kernels >= 5.8, the out-of-tree amd_energy hwmon driver): use the
 *     first of the two that initialises, never both, or the CPU is counted
 *     twice;
 *   - amdgpu and nvml measure discrete GPUs and add to either;
 *   - model estimates from the instance type and is for hosts where no CPU
 *     sensor initialised (cloud VMs, or RAPL readable by root only).
 * Each sensor's init says why it is unavailable, so the fallback can be
 * explained to the user.
 */
#ifndef CS_SENSORS_REGISTRY_H
#define CS_SENSORS_REGISTRY_H

#include "sensors/sensor.h"

extern const cs_sensor_ops cs_rapl_ops;       /* sensors/rapl.c */
extern const cs_sensor_ops cs_amd_energy_ops; /* sensors/hwmon_amd_energy.c */
extern const cs_sensor_ops cs_amdgpu_ops;     /* sensors/hwmon_amdgpu.c */
extern const cs_sensor_ops cs_nvml_ops;       /* sensors/nvml.c */
extern const cs_sensor_ops cs_model_ops;      /* sensors/model_sensor.c */

#endif
