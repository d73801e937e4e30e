/* tests/fakes/fake_nvml.h - what tests/fakes/fake_nvml.c records about its
 * callers, shared by the fake and tests/unit/test_nvml.c (which finds the
 * exported fake_nvml_state with dlsym). The fake's one piece of global
 * state, by design. */
#ifndef CS_TESTS_FAKE_NVML_H
#define CS_TESTS_FAKE_NVML_H

#define FAKE_MAX_GPUS 8

typedef struct fake_nvml_state_t {
	unsigned init_calls;
	unsigned shutdown_calls;
	unsigned energy_calls;
	unsigned power_calls;
	unsigned procutil_calls;
	unsigned long long last_seen[FAKE_MAX_GPUS]; /* lastSeenTimeStamp passed */
} fake_nvml_state_t;

#endif
