/* sensors/model_sensor.h - modelled host power where no energy counter exists.
 *
 * Most cloud VMs expose no RAPL, hwmon or GPU counter. The model sensor then
 * turns CPU utilisation (/proc/stat) and memory use (/proc/meminfo), read
 * every cycle with one pread per file, into watts, and reports
 * energy = power x dt per channel. It is never "measured": every channel has
 * measured = false and a source string naming the model:
 *
 *  1. Instance model (cs_host_model.inst set, from configuration or cloud
 *     detection). Power is cs_instance_power() at (cpu util, memory util):
 *       CS_METHOD_CURVE  -> source "model:aws-teads" (AWS, Teads curves;
 *                           "model:teads" for another provider), channels
 *                           "cpu" (CS_COMP_CPU), "dram" (CS_COMP_DRAM),
 *                           "gpu" (CS_COMP_GPU, only if the instance has
 *                           GPUs) and "other" (CS_COMP_OTHER, the Teads
 *                           "Delta Full Machine").
 *       CS_METHOD_MINMAX -> source "model:ccf-aws", "model:ccf-gcp",
 *                           "model:ccf-azure" ("model:ccf" if the provider is
 *                           unknown), channels "cpu" and "dram". CCF min/max
 *                           has no GPU or rest-of-machine figure, so no "gpu"
 *                           or "other" channel is made up.
 *     Memory utilisation is (MemTotal - MemAvailable) / MemTotal; if
 *     /proc/meminfo cannot be read it is taken equal to the CPU utilisation
 *     (what the Teads instance totals assume).
 *
 *  2. CCF microarchitecture model, source "model:ccf-microarch": no instance
 *     type, but /proc/cpuinfo's vendor/family/model (arm64: implementer/part)
 *     names a core design (sensors/cpu_arch.h: "AMD Zen 4 (Genoa)") that has
 *     a row in Cloud Carbon Footprint's per-microarchitecture coefficient
 *     files (data/tables.h cs_ccf_use: "EPYC 4th Gen"). CPU watts are
 *         vCPU x (min + (max - min) x u)
 *     with that row's min/max W per vCPU, as CCF's min/max instance model.
 *     Which file: the configured or detected provider's (coefficients-aws,
 *     -gcp, -azure-use.csv); when the provider is unknown, or its file has
 *     no row for the design, AWS's: it is the most complete (20 designs,
 *     2026) and the file the generic model's averages come from. Not an
 *     average across providers: GCP's max watts are memory-adjusted and
 *     Azure's file is from 2022, so a mean would mix two memory rules.
 *     Memory follows the file's rule (the instance model's, docs/model.md):
 *     GCP charges every GB ("ccf-all-gb"); AWS and Azure only the GB above
 *     the SPECpower servers' memory per chip ("ccf-above-chip-baseline"):
 *         charged_GB = max(0, MemTotal - chips x GB_per_chip)
 *     with chips = physical packages on bare metal and, under a hypervisor,
 *     vCPU / 96: CCF's calculateGigabyteHours counts 96 vCPU per chip, so a
 *     VM of unknown type holds vCPU/96 of a chip's baseline. For a host or
 *     instance of one chip this is CCF's formula exactly.
 *     Order: under a hypervisor this model comes before the TDP model (a
 *     host socket's TDP overstates a VM's slice); on bare metal after it (a
 *     TDP row names the exact CPU, the microarchitecture only its design).
 *
 *  3. TDP model, source "model:tdp": the CPU's thermal design power looked up
 *     by its /proc/cpuinfo model name in cs_cpu_tdp_table (CodeCarbon
 *     cpu_power.csv). TDP is per socket, so the CPU channel is
 *         TDP x packages x r(u)
 *     with packages = distinct "physical id"s in /proc/cpuinfo and r the
 *     piecewise-linear interpolation of the load ratios CS_TDP_RATIO at
 *     0/10/50/100 % load = 0.12/0.32/0.75/1.02. Those ratios are BoaviztAPI's
 *     published defaults for turning a TDP into a consumption profile when
 *     nothing else is known about the CPU (boaviztapi,
 *     boaviztapi/model/consumption_profile/consumption_profile.py,
 *     CPUConsumptionProfileModel._TDP_RATIOS); they come from Teads' EC2
 *     measurements (B. Davy, "Building an AWS EC2 Carbon Emissions Dataset",
 *     2021) and are the Green Software Foundation Impact Framework's
 *     "teads-curve" too. BoaviztAPI fits a logarithmic curve through the four
 *     points; we interpolate linearly between them, as the Impact Framework
 *     does. Memory ("dram") is CS_MEM_W_PER_GB (CCF, 0.392 W/GB) x MemTotal
 *     in GiB, whatever its use, as CCF counts it.
 *     Inside a VM the TDP model describes whole host sockets while /proc/stat
 *     describes our vCPUs, which overstates a small VM's share: it is the
 *     fallback for bare metal without RAPL and VMs of unknown instance type,
 *     and under a hypervisor its description says to configure the instance
 *     type instead.
 *
 *  4. Generic model, source "model:generic": CPU model unknown or not in the
 *     table, microarchitecture unknown or without a CCF row. CPU watts = online CPUs x (CS_GENERIC_MIN_W_PER_CPU +
 *     (CS_GENERIC_MAX_W_PER_CPU - CS_GENERIC_MIN_W_PER_CPU) x u), with Cloud
 *     Carbon Footprint's AWS averages over all microarchitectures, 0.74 W and
 *     3.5 W per vCPU (cloud-carbon-footprint,
 *     packages/aws/src/domain/AwsFootprintEstimationConstants.ts,
 *     MIN_WATTS_AVG / MAX_WATTS_AVG), plus memory as in 3. arm64 hosts
 *     other than Neoverse N1/V1/V2 (no TDP rows) land here too.
 *
 * DRAM by occupancy: only the Teads curve (instance model, CS_METHOD_CURVE)
 * has a memory utilisation term, and it takes memory occupancy, (MemTotal -
 * MemAvailable) / MemTotal from /proc/meminfo each cycle, not CPU load
 * (cs_host_model.dram_by_occupancy). Every CCF-based channel "dram"
 * (instance min/max, microarchitecture, TDP, generic) is constant: charged GB
 * x 0.392 W/GB, as CCF has no memory use term. cs_host_model.mem_rule names
 * the rule ("teads-curve", "ccf-above-chip-baseline", "ccf-all-gb") and the
 * description says it, so every output that shows the model (sensors, run,
 * top, the agent's start-up line and power_model label) says it too.
 *
 * read(): one pread of /proc/stat and one of /proc/meminfo, no allocation.
 * The first read primes and reports 0 J; a later read with dt_s == 0 reports
 * 0 J and keeps the snapshot; when no tick elapsed (two reads within one
 * USER_HZ tick) the last utilisation is used. If /proc/stat cannot
 * be read, every channel gets the error in `status`, 0 J, the interval is
 * carried over and the next good read covers it (utilisation is measured from
 * the last good snapshot), so no energy is dropped. If only /proc/meminfo
 * fails, energies are still filled (with the last memory utilisation) and the
 * "dram" channel's status holds the error.
 */
#ifndef CS_SENSORS_MODEL_SENSOR_H
#define CS_SENSORS_MODEL_SENSOR_H

#include <stdbool.h>
#include <stddef.h>

#include <carbonstat/dataset.h>
#include <carbonstat/model.h>

#include "io/procstat.h"
#include "sensors/sensor.h"

/* The TDP table (data/tables.h; its layout stays out of this header so that
 * the modules above see rows only through accessors). */
typedef struct cs_cpu_tdp cs_cpu_tdp;
typedef struct cs_cpu_tdp_list cs_cpu_tdp_list;

/* Fraction of TDP drawn at cs_curve_load (0, 10, 50, 100 % CPU): BoaviztAPI
 * CPUConsumptionProfileModel._TDP_RATIOS (see the header comment). */
extern const double cs_tdp_load_ratio[CS_CURVE_POINTS]; /* {0.12, 0.32, 0.75, 1.02} */

/* Generic model, W per online logical CPU at 0 % and 100 %: Cloud Carbon
 * Footprint AWS MIN_WATTS_AVG / MAX_WATTS_AVG (average of all
 * microarchitectures). */
#define CS_GENERIC_MIN_W_PER_CPU 0.74
#define CS_GENERIC_MAX_W_PER_CPU 3.5

/* Source strings (static; see the header comment for when each is used). */
#define CS_SRC_MODEL_AWS_TEADS "model:aws-teads"
#define CS_SRC_MODEL_TEADS     "model:teads"
#define CS_SRC_MODEL_CCF_AWS   "model:ccf-aws"
#define CS_SRC_MODEL_CCF_GCP   "model:ccf-gcp"
#define CS_SRC_MODEL_CCF_AZURE "model:ccf-azure"
#define CS_SRC_MODEL_CCF       "model:ccf"
#define CS_SRC_MODEL_CCF_ARCH  "model:ccf-microarch"
#define CS_SRC_MODEL_TDP       "model:tdp"
#define CS_SRC_MODEL_GENERIC   "model:generic"

typedef enum cs_host_model_kind {
	CS_HOST_MODEL_GENERIC = 0, /* CCF average W per vCPU */
	CS_HOST_MODEL_TDP,         /* CPU TDP from cs_cpu_tdp_table */
	CS_HOST_MODEL_INSTANCE,    /* cloud instance power model */
	CS_HOST_MODEL_CCF_ARCH,    /* CCF min/max W per vCPU of the microarchitecture */
} cs_host_model_kind;

/* CCF's "vCPU per chip" of its memory rule (calculateGigabyteHours). */
#define CS_CCF_VCPU_PER_CHIP 96.0

/* Memory rule names, as docs/model.md and `estimate`'s rules name them. */
#define CS_MEM_RULE_TEADS    "teads-curve"
#define CS_MEM_RULE_BASELINE "ccf-above-chip-baseline"
#define CS_MEM_RULE_ALL_GB   "ccf-all-gb"

/* What the model sensor models: filled by cs_host_model_init (or by hand in
 * tests), passed through cs_sensor_env.model. Plain data: copying it is fine. */
typedef struct cs_host_model {
	cs_host_model_kind kind;
	const char *source;      /* static CS_SRC_MODEL_* string */
	const cs_instance *inst; /* CS_HOST_MODEL_INSTANCE: static table row */
	char cpu_model[128];     /* raw /proc/cpuinfo model, "" if unknown */
	char cpu_name[128];      /* normalised (cs_cpu_name_normalise) */
	const char *tdp_name;    /* CS_HOST_MODEL_TDP: matched row's name */
	double tdp_w;            /* CS_HOST_MODEL_TDP: per socket */
	unsigned sockets;        /* physical packages, >= 1 */
	unsigned ncpu;           /* online logical CPUs, >= 1 */
	double mem_total_gb;     /* MemTotal in GiB (0 if unknown) */
	double mem_charged_gb;   /* GB charged at CS_MEM_W_PER_GB (not the Teads curve) */
	const char *mem_rule;    /* CS_MEM_RULE_*, static */
	bool dram_by_occupancy;  /* "dram" follows MemAvailable (Teads curve only) */
	/* CS_HOST_MODEL_CCF_ARCH (core also set for other kinds when known) */
	const char *arch_core; /* "AMD Zen 4 (Genoa)", NULL if unknown */
	const char *arch_ccf;  /* CCF row: "EPYC 4th Gen", NULL if none */
	double min_w_per_vcpu; /* the row's figures */
	double max_w_per_vcpu;
	double gb_per_chip;             /* < 0: none (every GB charged) */
	const cs_dataset *coef_dataset; /* ccf-use-aws|gcp|azure (id, year) */
	char cpu_id[48];                /* "family 25 model 17", "implementer 0x41 part 0xd0c" */
	bool vm;                        /* /proc/cpuinfo says we run under a hypervisor */
	bool gpu_measured;              /* set by the caller when a GPU sensor (nvml)
	                                 * measures the instance's GPUs: the "gpu"
	                                 * channel is still reported, but with
	                                 * in_total = false so it is not counted twice */
	char desc[384];                 /* "Intel Xeon Platinum 8375C, TDP 300 W x 1 socket
	                                 * (CodeCarbon cpu_power.csv)" */
} cs_host_model;

/* Choose the model for this host: the instance when inst has a power model,
 * else (see the header comment for the order) the CCF microarchitecture
 * model or the TDP row matching /proc/cpuinfo's model name in
 * cs_cpu_tdp_table, else the generic model. provider (configured or
 * detected, CS_PROVIDER_UNKNOWN if neither) picks the CCF coefficient file.
 * Reads <procfs>/cpuinfo, /meminfo and /stat once. Never fails for lack of
 * data (unknown CPU -> generic); returns CS_EINVAL only for bad arguments.
 * `why` (may be NULL) gets the one-line description, also kept in m->desc. */
int cs_host_model_init(cs_host_model *m, cs_io *io, const cs_instance *inst, cs_provider provider, char *why,
                       size_t cap);

/* The inputs of cs_host_model_init_table. */
typedef struct cs_host_model_in {
	const cs_instance *inst;    /* NULL: none */
	cs_provider provider;       /* CS_PROVIDER_UNKNOWN: neither configured nor detected */
	const cs_cpu_tdp_list *tdp; /* NULL: no TDP model */
	const char *tdp_label;      /* names the TDP table in the description */
	bool no_microarch;          /* skip the CCF microarchitecture model */
} cs_host_model_in;

/* Same with caller-supplied tables (tests, or a user-provided TDP list). */
int cs_host_model_init_table(cs_host_model *m, cs_io *io, const cs_host_model_in *in, char *why, size_t cap);

/* Watts at CPU utilisation cpu_util (0..1) and memory utilisation mem_util
 * (0..1, or < 0 for "same as CPU"; used by the instance model only). Pure.
 * CS_EINVAL for a utilisation outside 0..1 or NaN, CS_ENODATA if the
 * instance has no power model. */
int cs_host_model_power(const cs_host_model *m, double cpu_util, double mem_util, cs_power *out);

/* Source string for an instance's power method (see the header comment). */
const char *cs_model_source_for(const cs_instance *inst);

/* Normalise a /proc/cpuinfo model name for TDP lookup: drop "(R)", "(TM)",
 * "(C)" and their UTF-8 signs, everything from '@' on, the words "CPU" and
 * "Processor", "<n>-Core" words and frequencies ("2.90GHz"), and collapse
 * blanks. "Intel(R) Xeon(R) Platinum 8375C CPU @ 2.90GHz" -> "Intel Xeon
 * Platinum 8375C"; "AMD EPYC 7B13 64-Core Processor" -> "AMD EPYC 7B13".
 * Returns the length, or CS_ERANGE if it does not fit in cap. */
int cs_cpu_name_normalise(const char *model, char *out, size_t cap);

/* Row of table for a normalised name: an exact key match (key =
 * lower-case alphanumerics, as cs_name_key), else the longest row key found
 * inside the name's key at word boundaries ("11th Gen Intel Core i7-1185G7"
 * finds "Intel Core i7-1185G7", but "AMD Ryzen 5 3600X" does not find
 * "AMD Ryzen 5 3600"). Only rows naming a specific model (two or more words,
 * one with a digit) are searched for inside a name: bare numbers ("750") and
 * families ("Intel Xeon") match exactly or not at all. Ties go to the first
 * row. NULL if none. */
const cs_cpu_tdp *cs_cpu_tdp_find(const cs_cpu_tdp_list *table, const char *name);

extern const cs_sensor_ops cs_model_ops;

#endif
