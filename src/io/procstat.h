/* io/procstat.h - kept-open readers for /proc/stat, /proc/meminfo and
 * /proc/cpuinfo, with their parsers kept pure.
 *
 * The model sensor needs CPU and memory utilisation every cycle on machines
 * without an energy counter (most cloud VMs). This module owns everything
 * about those procfs files:
 *
 *  - <procfs>/stat: the aggregate "cpu" line and the per-CPU "cpuN" lines,
 *    user nice system idle iowait irq softirq steal guest guest_nice, in
 *    USER_HZ ticks. The kernel already counts guest inside user and
 *    guest_nice inside nice, so totals leave guest* out (counting them again
 *    would inflate both busy and total time). Lines may carry fewer fields on
 *    old kernels (at least 4: user nice system idle); missing ones are 0.
 *  - <procfs>/meminfo: MemTotal and MemAvailable (kB). Kernels before 3.14
 *    have no MemAvailable; we then estimate it as MemFree + Buffers + Cached
 *    and say so in cs_meminfo.available_estimated.
 *  - <procfs>/cpuinfo (read once at start): the CPU model, the number of
 *    logical CPUs and of physical packages (distinct "physical id"s).
 *
 * Parsers (cs_procstat_parse*, cs_meminfo_parse, cs_cpuinfo_model) take a
 * buffer and its length, need no NUL terminator, never allocate, and write
 * their output only on success: they are the libFuzzer surface
 * (tests/fuzz/fuzz_procfs.c). Readers open the file once and re-read it with
 * one pread per cycle into a buffer sized at open time, so the hot path
 * allocates nothing.
 *
 * Invariant of the /proc/stat reader: a read whose buffer filled up is only
 * parsed up to the end of the last complete "cpu" line, never through a line
 * cut in the middle of a number.
 */
#ifndef CS_IO_PROCSTAT_H
#define CS_IO_PROCSTAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "io/kfile.h"

/* One "cpu" / "cpuN" line of /proc/stat, in USER_HZ ticks. */
typedef struct cs_cpu_times {
	int cpu;       /* -1 for the aggregate "cpu" line, else N of "cpuN" */
	uint64_t user; /* includes guest */
	uint64_t nice; /* includes guest_nice */
	uint64_t system;
	uint64_t idle;
	uint64_t iowait;
	uint64_t irq;
	uint64_t softirq;
	uint64_t steal;      /* time a hypervisor gave our vCPU to someone else */
	uint64_t guest;      /* already inside user */
	uint64_t guest_nice; /* already inside nice */
} cs_cpu_times;

/* user + nice + system + idle + iowait + irq + softirq + steal (no guest*). */
uint64_t cs_cpu_total_ticks(const cs_cpu_times *t);
/* total - idle - iowait. Steal counts as busy: the vCPU wanted to run. */
uint64_t cs_cpu_busy_ticks(const cs_cpu_times *t);

/* Parse the aggregate "cpu" line. 0, CS_EINVAL (no such line, fewer than 4
 * fields, a non-numeric field) or CS_ERANGE (a field overflows uint64). */
int cs_procstat_parse(const char *buf, size_t len, cs_cpu_times *out);

/* Parse every "cpuN" line into out[0..*n), in file order (offline CPUs have
 * no line, so out[i].cpu need not equal i). CS_ENOMEM if there are more than
 * cap lines, otherwise as cs_procstat_parse. */
int cs_procstat_parse_cpus(const char *buf, size_t len, cs_cpu_times *out, size_t cap, size_t *n);

/* Busy fraction 0..1 between two snapshots of the same line. A field that went
 * backwards (CPU hot-unplug and re-plug, a counter reset) contributes 0
 * instead of a huge unsigned delta. CS_ENODATA, and *out untouched, when no
 * tick elapsed (e.g. two reads within one USER_HZ tick). */
int cs_cpu_util(const cs_cpu_times *prev, const cs_cpu_times *cur, double *out);

/* Memory from /proc/meminfo. */
typedef struct cs_meminfo {
	uint64_t total_kb;        /* MemTotal */
	uint64_t available_kb;    /* MemAvailable, or the estimate below */
	bool available_estimated; /* no MemAvailable: MemFree + Buffers + Cached */
} cs_meminfo;

/* 0, or CS_EINVAL when MemTotal is missing, zero or malformed, or a field we
 * use is malformed; CS_ERANGE on overflow. Other lines are ignored. */
int cs_meminfo_parse(const char *buf, size_t len, cs_meminfo *out);

/* (total - available) / total, clamped to 0..1. */
double cs_meminfo_used_fraction(const cs_meminfo *m);

/* What /proc/cpuinfo says about the CPU. */
typedef struct cs_cpuinfo {
	char model[128];          /* x86 "model name", arm64 "ARM Neoverse-N1" built
	                           * from CPU implementer/part, ppc64 "cpu";
	                           * "" when unknown */
	unsigned ncpu;            /* "processor" entries (online logical CPUs) */
	unsigned packages;        /* distinct "physical id" values; 1 if none */
	unsigned arm_implementer; /* "CPU implementer" (0x41 = ARM), 0 if none */
	unsigned arm_part;        /* "CPU part" (0xd0c = Neoverse-N1), 0 if none */
	bool hypervisor;          /* x86 "flags" has "hypervisor": we are a VM */
	/* x86 identification (CPUID leaf 1 as the kernel prints it), of the
	 * first CPU listed: "vendor_id" ("GenuineIntel", "AuthenticAMD"; ""
	 * if none), "cpu family", "model", "stepping" (decimal). x86_fms is
	 * true only when family and model both parsed; stepping is -1 when
	 * absent or malformed. */
	char vendor_id[16];
	unsigned x86_family;
	unsigned x86_model;
	int x86_stepping;
	bool x86_fms;
} cs_cpuinfo;

/* Parse /proc/cpuinfo. 0 with model "" when the model is unknown; CS_EINVAL
 * when the text has neither a "processor" entry nor a model. Values are
 * copied with control characters replaced by spaces. The identification
 * fields (vendor, family, model, stepping, arm implementer/part) are the
 * first CPU's: a host mixing CPU models is described by its first. */
int cs_cpuinfo_model(const char *buf, size_t len, cs_cpuinfo *out);

/* ---- readers ------------------------------------------------------------ */

/* Kept-open /proc/stat. */
typedef struct cs_procstat_reader {
	cs_kfile f;
	char *buf; /* sized at open for every cpu line, with room to grow */
	size_t cap;
	size_t len; /* bytes usable by the parsers after the last read */
} cs_procstat_reader;

/* Open <procfs>/stat and size the buffer. 0 or -errno / CS_ENOMEM. */
int cs_procstat_open(cs_procstat_reader *r, cs_io *io);
/* One pread, then parse. total may be NULL; percpu may be NULL (cap 0). A
 * buffer too small for the cpu lines (CPUs hot-added beyond the headroom)
 * gives CS_ERANGE. */
int cs_procstat_read(cs_procstat_reader *r, cs_cpu_times *total, cs_cpu_times *percpu, size_t cap, size_t *n);
/* Safe on a zeroed or closed reader. */
void cs_procstat_close(cs_procstat_reader *r);

/* Kept-open /proc/meminfo. MemTotal and MemAvailable are its first lines, so
 * a fixed in-struct buffer is enough even if later lines are cut off. */
#define CS_MEMINFO_BUF 4096
typedef struct cs_meminfo_reader {
	cs_kfile f;
	bool opened; /* false on a zeroed or closed reader */
	char buf[CS_MEMINFO_BUF];
} cs_meminfo_reader;

int cs_meminfo_open(cs_meminfo_reader *r, cs_io *io);
int cs_meminfo_read(cs_meminfo_reader *r, cs_meminfo *out);
/* Safe on a zeroed, failed or closed reader. */
void cs_meminfo_close(cs_meminfo_reader *r);

/* One-shot (start-up) reads: open, read, close. cs_cpuinfo_read grows a
 * temporary buffer until the whole file fits (big hosts have MBs of cpuinfo). */
int cs_cpuinfo_read(cs_io *io, cs_cpuinfo *out);
int cs_meminfo_read_once(cs_io *io, cs_meminfo *out);

/* ---- /proc/<pid>/stat --------------------------------------------------------
 * The per-process CPU time the process scanner and `run` read. */

/* The fields of one /proc/<pid>/stat line we use. */
typedef struct cs_pid_stat {
	int pid;
	int ppid;
	char state;     /* R, S, D, Z... */
	char comm[32];  /* without the parentheses, control chars -> '?' */
	uint64_t utime; /* ticks (USER_HZ) */
	uint64_t stime;
	uint64_t cutime; /* waited-for children; negative values read as 0 */
	uint64_t cstime;
	uint64_t starttime; /* ticks after boot: tells a reused pid apart */
} cs_pid_stat;

/* Parse one /proc/<pid>/stat text (len bytes, no NUL needed). The command
 * name may hold blanks and ')' (the last ')' ends it). 0, or CS_EINVAL for
 * anything malformed or truncated. Pure, no allocation. */
int cs_pid_stat_parse(const char *buf, size_t len, cs_pid_stat *out);

#endif
