/* tests/fakes/fake_nvml.c - a scripted stand-in for libnvidia-ml.so.1.
 *
 * Built as a shared library (libfake_nvml.so; the tests get its path as
 * CS_FAKE_NVML_PATH) and dlopen()ed by the NVML sensor exactly as the real
 * driver library would be. It implements only the entry points
 * src/sensors/nvml.c uses, with the public NVML signatures.
 *
 * Script, read from the environment on every call so a test can change
 * values between two sensor reads with setenv():
 *   FAKE_NVML_INIT_RC       nvmlInit_v2 return code (default 0)
 *   FAKE_NVML_COUNT         number of GPUs, 0..8 (default 2)
 *   FAKE_NVML_ENERGY_MJ_<i> total energy counter of GPU i in mJ (default
 *                           1000000). Only even-numbered GPUs have one: odd
 *                           GPUs return NVML_ERROR_NOT_SUPPORTED (pre-Volta).
 *   FAKE_NVML_POWER_MW_<i>  power of GPU i in mW (default 100000 + 10000 i)
 *   FAKE_NVML_RC_<i>        if set, the return code of every energy/power
 *                           call on GPU i (e.g. 15 = GPU is lost)
 *   FAKE_NVML_PROC_<i>      process samples "pid:sm:mem:ts,pid:sm:mem:ts";
 *                           only those with ts > lastSeenTimeStamp are
 *                           returned, NVML_ERROR_NOT_FOUND if none
 * What the sensor did is counted in fake_nvml_state (dlsym it).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_nvml.h"

typedef int nvmlReturn_t;
struct nvmlDevice_st {
	unsigned index;
};
typedef struct nvmlDevice_st *nvmlDevice_t;

typedef struct nvmlProcessUtilizationSample_st {
	unsigned int pid;
	unsigned long long timeStamp;
	unsigned int smUtil;
	unsigned int memUtil;
	unsigned int encUtil;
	unsigned int decUtil;
} nvmlProcessUtilizationSample_t;

/* What the code under test did (see fake_nvml.h). */
fake_nvml_state_t fake_nvml_state;

static struct nvmlDevice_st fake_devs[FAKE_MAX_GPUS] = {{0}, {1}, {2}, {3}, {4}, {5}, {6}, {7}};

/* Public NVML API (nvml.h), declared here: no NVML header needed. */
nvmlReturn_t nvmlInit_v2(void);
nvmlReturn_t nvmlShutdown(void);
nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count);
nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device);
nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length);
nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy);
nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power);
nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization,
                                             unsigned int *processSamplesCount, unsigned long long lastSeenTimeStamp);
const char *nvmlErrorString(nvmlReturn_t result);

static const char *env_i(const char *base, unsigned i)
{
	char name[64];

	snprintf(name, sizeof name, "%s_%u", base, i);
	return getenv(name);
}

static unsigned long long env_ull(const char *v, unsigned long long def)
{
	return v && *v ? strtoull(v, NULL, 10) : def;
}

static unsigned gpu_count(void)
{
	unsigned long long n = env_ull(getenv("FAKE_NVML_COUNT"), 2);

	return n > FAKE_MAX_GPUS ? FAKE_MAX_GPUS : (unsigned)n;
}

static int valid(nvmlDevice_t d)
{
	return d && d >= fake_devs && d < fake_devs + gpu_count();
}

nvmlReturn_t nvmlInit_v2(void)
{
	fake_nvml_state.init_calls++;
	return (nvmlReturn_t)env_ull(getenv("FAKE_NVML_INIT_RC"), 0);
}

nvmlReturn_t nvmlShutdown(void)
{
	fake_nvml_state.shutdown_calls++;
	return 0;
}

nvmlReturn_t nvmlDeviceGetCount_v2(unsigned int *count)
{
	if (!count)
		return 2; /* NVML_ERROR_INVALID_ARGUMENT */
	*count = gpu_count();
	return 0;
}

nvmlReturn_t nvmlDeviceGetHandleByIndex_v2(unsigned int index, nvmlDevice_t *device)
{
	if (!device || index >= gpu_count())
		return 2;
	*device = &fake_devs[index];
	return 0;
}

nvmlReturn_t nvmlDeviceGetName(nvmlDevice_t device, char *name, unsigned int length)
{
	if (!valid(device) || !name)
		return 2;
	snprintf(name, length, "Fake GPU %u (%s)", device->index, device->index % 2 ? "power only" : "energy counter");
	return 0;
}

nvmlReturn_t nvmlDeviceGetTotalEnergyConsumption(nvmlDevice_t device, unsigned long long *energy)
{
	const char *rc;

	fake_nvml_state.energy_calls++;
	if (!valid(device) || !energy)
		return 2;
	if (device->index % 2)
		return 3; /* NVML_ERROR_NOT_SUPPORTED */
	rc = env_i("FAKE_NVML_RC", device->index);
	if (rc && *rc)
		return (nvmlReturn_t)env_ull(rc, 999);
	*energy = env_ull(env_i("FAKE_NVML_ENERGY_MJ", device->index), 1000000);
	return 0;
}

nvmlReturn_t nvmlDeviceGetPowerUsage(nvmlDevice_t device, unsigned int *power)
{
	const char *rc;

	fake_nvml_state.power_calls++;
	if (!valid(device) || !power)
		return 2;
	rc = env_i("FAKE_NVML_RC", device->index);
	if (rc && *rc)
		return (nvmlReturn_t)env_ull(rc, 999);
	*power = (unsigned)env_ull(env_i("FAKE_NVML_POWER_MW", device->index), 100000ull + 10000ull * device->index);
	return 0;
}

nvmlReturn_t nvmlDeviceGetProcessUtilization(nvmlDevice_t device, nvmlProcessUtilizationSample_t *utilization,
                                             unsigned int *processSamplesCount, unsigned long long lastSeenTimeStamp)
{
	nvmlProcessUtilizationSample_t s[64];
	unsigned n = 0;
	const char *p;

	fake_nvml_state.procutil_calls++;
	if (!valid(device) || !processSamplesCount)
		return 2;
	fake_nvml_state.last_seen[device->index] = lastSeenTimeStamp;
	p = env_i("FAKE_NVML_PROC", device->index);
	while (p && *p && n < 64) {
		unsigned pid, sm, mem;
		unsigned long long ts;
		int used = 0;

		if (sscanf(p, "%u:%u:%u:%llu%n", &pid, &sm, &mem, &ts, &used) != 4)
			break;
		if (ts > lastSeenTimeStamp) {
			memset(&s[n], 0, sizeof s[n]);
			s[n].pid = pid;
			s[n].smUtil = sm;
			s[n].memUtil = mem;
			s[n].timeStamp = ts;
			n++;
		}
		p += used;
		if (*p == ',')
			p++;
	}
	if (n == 0)
		return 6; /* NVML_ERROR_NOT_FOUND */
	if (!utilization || *processSamplesCount < n) {
		*processSamplesCount = n;
		return 7; /* NVML_ERROR_INSUFFICIENT_SIZE */
	}
	memcpy(utilization, s, n * sizeof s[0]);
	*processSamplesCount = n;
	return 0;
}

const char *nvmlErrorString(nvmlReturn_t result)
{
	switch (result) {
	case 0: return "Success";
	case 2: return "Invalid Argument";
	case 3: return "Not Supported";
	case 4: return "Insufficient Permissions";
	case 6: return "Not Found";
	case 7: return "Insufficient Size";
	case 9: return "Driver Not Loaded";
	case 15: return "GPU is lost";
	default: return "Unknown Error";
	}
}
