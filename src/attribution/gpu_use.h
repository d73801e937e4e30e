/* attribution/gpu_use.h - GPU energy follows its users.
 *
 * A GPU sensor that knows who used its device (NVML's per-process
 * utilisation) reports it on its channel (cs_channel.procs: host pid, mean
 * share of the device 0..1 over the interval); sensors only read. This
 * module charges each of those processes to the workload that holds it and
 * sets the workloads' gpu_util, which the split (attribute.h) shares the GPU
 * part by:
 *   gpu_util(w) = sum over GPUs g, processes p of w on g: share_g x util(p, g)
 * where share_g is g's part of the interval's GPU energy (in-total GPU
 * channels; equal parts when they drew nothing), so a process that kept one
 * of two equal GPUs busy gets 0.5: half the GPU energy.
 *
 * Which workload holds a process: the process workload with its pid (process
 * scopes: top, run's process tree, the meter, the agent's [agent] processes);
 * else the cgroup workload whose path is the process's cgroup or an ancestor
 * of it, from <procfs>/<pid>/cgroup (the v2 line, or the v1 cpuacct line:
 * cgroup_version says which hierarchy the workloads' paths are in). A
 * process no workload holds leaves its share to the `system` bucket.
 *
 * Cost: one /proc/<pid>/cgroup read per GPU process and interval, and
 * O(processes x workloads) comparisons; nothing is allocated.
 */
#ifndef CS_ATTRIBUTION_GPU_USE_H
#define CS_ATTRIBUTION_GPU_USE_H

#include <stddef.h>

#include "attribution/workload.h"
#include "platform/host.h"

/* Sets gpu_util of wl[0..n) from the last sample of h (every used sensor's
 * in-total GPU channels); 0 for every workload when no sensor says who used
 * the GPUs. cgroup_version: 1 or 2 for the hierarchy of the cgroup
 * workloads' paths, 0 when there are none. Returns how many GPU processes
 * were charged to a workload. */
size_t cs_gpu_use_assign(cs_host *h, int cgroup_version, cs_workload *wl, size_t n);

#endif
