/* sensors/registry.c - the static table of every sensor, in probe order.
 *
 * Adding a sensor is adding its file and one line here (and its extern in
 * registry.h). Why this order: see registry.h.
 */
#include "sensors/registry.h"

const cs_sensor_ops *const cs_sensor_registry[] = {
    &cs_rapl_ops, &cs_amd_energy_ops, &cs_amdgpu_ops, &cs_nvml_ops, &cs_model_ops,
};

const size_t cs_sensor_registry_len = sizeof(cs_sensor_registry) / sizeof(cs_sensor_registry[0]);
