/* sensors/nvml.h - NVIDIA GPUs through NVML, loaded at run time.
 *
 * The sensor dlopen()s the driver's libnvidia-ml.so.1 (or
 * cs_sensor_env.nvml_path), so carbonstat has no build or package dependency
 * on NVIDIA software and no NVML header: the few entry points it calls are
 * declared in nvml.c from the public NVML API. No library, an NVML that
 * cannot talk to a driver, or zero GPUs is CS_EUNAVAIL ("no data" is not an
 * error). nvidia-smi is never run.
 *
 * One channel per usable GPU, "gpu-N" (N = NVML index), CS_COMP_GPU,
 * measured = true, source "nvml", in the host total:
 *  - Volta and newer: energy = delta of nvmlDeviceGetTotalEnergyConsumption
 *    (mJ since the driver loaded) / 1000. A counter that goes backwards (driver
 *    reloaded) gives 0 J for that interval, never a negative or huge value.
 *  - Older GPUs (energy NOT_SUPPORTED): nvmlDeviceGetPowerUsage (mW) sampled
 *    once per read; energy = mean of this and the previous sample x dt
 *    (trapezoid: exact for a linear ramp, where "power x dt" lags by half a
 *    cycle).
 *  - A GPU with neither gets no channel.
 * A failed read sets the channel's status and 0 J, and the next good read
 * covers the missed time (the energy counter by construction; power-only GPUs
 * by carrying the interval over), so no energy is dropped.
 *
 * Per-process SM utilisation (nvmlDeviceGetProcessUtilization, samples newer
 * than the last one seen) is fetched each read into a fixed array per GPU,
 * allocated once in init: the raw samples (cs_nvml_process_util), and per
 * process the mean SM utilisation of its samples in the interval, 0..1, on
 * the channel (cs_channel.procs), which attribution charges to the workload
 * holding the process (attribution/gpu_use.h).
 */
#ifndef CS_SENSORS_NVML_H
#define CS_SENSORS_NVML_H

#include <stddef.h>
#include <stdint.h>

#include "sensors/sensor.h"

/* Process samples kept per GPU and per read. NVML samples every ~1/6 s, so
 * this covers ~40 processes at a 1 s cycle. */
#define CS_NVML_PROC_SAMPLES 256

/* One NVML process utilisation sample. */
typedef struct cs_gpu_proc_util {
	uint32_t pid;          /* host PID */
	uint64_t timestamp_us; /* NVML CPU timestamp of the sample, microseconds */
	unsigned sm_pct;       /* SM (3D/compute) utilisation, percent */
	unsigned mem_pct;      /* frame-buffer memory bandwidth utilisation, percent */
	unsigned enc_pct;      /* encoder utilisation, percent */
	unsigned dec_pct;      /* decoder utilisation, percent */
} cs_gpu_proc_util;

extern const cs_sensor_ops cs_nvml_ops;

/* Samples fetched by the last read() for channel dev (0..nchannels-1): up to
 * cap copied into out, *n set to the number copied. CS_EINVAL if s is not an
 * NVML sensor or dev is out of range; CS_EUNAVAIL if the GPU or driver does
 * not report process utilisation; CS_ENOMEM if more samples than cap were
 * available (the first cap are copied); otherwise the status of the last
 * fetch (0, or CS_ENOMEM when NVML had more than CS_NVML_PROC_SAMPLES). */
int cs_nvml_process_util(cs_sensor *s, unsigned dev, cs_gpu_proc_util *out, size_t cap, size_t *n);

/* Product name of channel dev ("NVIDIA A100-SXM4-40GB"), NULL if out of range. */
const char *cs_nvml_device_name(cs_sensor *s, unsigned dev);

#endif
