/* tests/unit/test_proc_cgroup.c - io/proc_cgroup.c: the v2 line, a v1
 * controller's line, the CPU rule (cpuacct wins over v2 on hybrid hosts),
 * malformed lines, a path that does not fit, and the reader through a
 * --procfs-root tree. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "io/proc_cgroup.h"

#include "fixture.h"

static const char hybrid[] = "12:pids:/user.slice\n"
                             "4:cpu,cpuacct:/docker/abc\n"
                             "1:name=systemd:/system.slice/docker.service\n"
                             "0::/system.slice/docker.service\n";

static void test_find(void **state)
{
	char p[256];

	(void)state;
	assert_int_equal(cs_proc_cgroup_find(hybrid, strlen(hybrid), NULL, p, sizeof p), 0);
	assert_string_equal(p, "/system.slice/docker.service");
	assert_int_equal(cs_proc_cgroup_find(hybrid, strlen(hybrid), "cpuacct", p, sizeof p), 0);
	assert_string_equal(p, "/docker/abc");
	assert_int_equal(cs_proc_cgroup_find(hybrid, strlen(hybrid), "name=systemd", p, sizeof p), 0);
	assert_string_equal(p, "/system.slice/docker.service");
	assert_int_equal(cs_proc_cgroup_find(hybrid, strlen(hybrid), "memory", p, sizeof p), CS_ENOTFOUND);
	assert_int_equal(cs_proc_cgroup_cpu(hybrid, strlen(hybrid), p, sizeof p), 0);
	assert_string_equal(p, "/docker/abc");
	{
		const char *v2 = "0::/kubepods.slice/x.scope"; /* no newline */

		assert_int_equal(cs_proc_cgroup_cpu(v2, strlen(v2), p, sizeof p), 0);
		assert_string_equal(p, "/kubepods.slice/x.scope");
		assert_int_equal(cs_proc_cgroup_find(v2, strlen(v2), NULL, p, 8), CS_ERANGE);
	}
}

static void test_malformed(void **state)
{
	const char *bad = "x:cpuacct:/nope\n"
	                  "4:cpuacct:relative\n"
	                  "4::/v2-but-not-hierarchy-0\n"
	                  ":cpuacct:/no-id\n"
	                  "0:cpu:/v1-with-id-0\n"
	                  "justtext\n";
	char p[64] = "untouched";

	(void)state;
	assert_int_equal(cs_proc_cgroup_find(bad, strlen(bad), NULL, p, sizeof p), CS_ENOTFOUND);
	assert_int_equal(cs_proc_cgroup_find(bad, strlen(bad), "cpuacct", p, sizeof p), CS_ENOTFOUND);
	assert_string_equal(p, "untouched");
	assert_int_equal(cs_proc_cgroup_find(bad, strlen(bad), "cpu", p, sizeof p), 0);
	assert_string_equal(p, "/v1-with-id-0");
}

static void test_reader(void **state)
{
	char dir[64], pd[160], p[256];
	cs_io io;

	(void)state;
	assert_int_equal(tf_mkdtemp(dir, sizeof dir, "proc_cgroup"), 0);
	tf_snprintf(pd, sizeof pd, "%s/42", dir);
	assert_int_equal(mkdir(pd, 0755), 0);
	tf_write_file(pd, "cgroup", hybrid);
	assert_int_equal(cs_io_init(&io, NULL, NULL, dir, NULL), 0);
	assert_int_equal(cs_proc_cgroup_read(&io, "42", NULL, 1, p, sizeof p), 0);
	assert_string_equal(p, "/docker/abc");
	assert_int_equal(cs_proc_cgroup_read(&io, "42", NULL, 0, p, sizeof p), 0);
	assert_string_equal(p, "/system.slice/docker.service");
	assert_int_equal(cs_proc_cgroup_read(&io, "43", NULL, 0, p, sizeof p), -ENOENT);
	tf_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_malformed),
	    cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
