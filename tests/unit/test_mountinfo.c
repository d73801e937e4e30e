/* tests/unit/test_mountinfo.c - io/mountinfo.c: one line, the cgroup mount
 * look-up on real-shaped texts (cgroup v2 only, hybrid, v1, a container's
 * subtree mount), escapes, malformed lines, and the reader through a
 * --procfs-root tree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <errno.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "io/mountinfo.h"

#include "fixture.h"

static const char hybrid[] =
    "25 30 0:22 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755\n"
    "26 25 0:23 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 cgroup2 "
    "rw,nsdelegate\n"
    "27 25 0:24 / /sys/fs/cgroup/systemd rw shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
    "32 25 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid shared:16 - cgroup cgroup rw,cpu,cpuacct\n"
    "33 25 0:30 / /sys/fs/cgroup/memory rw,nosuid shared:17 - cgroup cgroup rw,memory\n";

static void test_line(void **state)
{
	cs_mount m;

	(void)state;
	assert_int_equal(cs_mountinfo_parse_line("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root "
	                                         "rw,errors=continue",
	                                         strlen("36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 "
	                                                "/dev/root rw,errors=continue"),
	                                         &m),
	                 0);
	assert_string_equal(m.root, "/mnt1");
	assert_string_equal(m.point, "/mnt/parent");
	assert_string_equal(m.fstype, "ext3");
	assert_string_equal(m.super_opts, "rw,errors=continue");
	/* no optional field; escapes in paths */
	{
		const char *l = "1 2 0:1 /a\\040b /my\\134dir\\011x rw - tmpfs none rw";

		assert_int_equal(cs_mountinfo_parse_line(l, strlen(l), &m), 0);
		assert_string_equal(m.root, "/a b");
		assert_string_equal(m.point, "/my\\dir\tx");
	}
}

static void test_line_malformed(void **state)
{
	static const char *const bad[] = {
	    "",
	    "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 ext3 /dev/root rw", /* no "-" */
	    "36 35 98:0 /mnt1 /mnt/parent rw -",                                  /* no type */
	    "36 35 98:0 mnt1 /mnt/parent rw - ext3 /dev/root rw",                 /* relative root */
	    "36 35 98:0 /mnt1",                                                   /* cut */
	};
	cs_mount m;

	(void)state;
	memset(&m, 0x5a, sizeof m);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_int_equal(cs_mountinfo_parse_line(bad[i], strlen(bad[i]), &m), CS_EINVAL);
	assert_int_equal((unsigned char)m.root[0], 0x5a);
	{
		char l[3000];

		memset(l, 0, sizeof l);
		snprintf(l, sizeof l, "1 2 0:1 /%01500d /x rw - tmpfs none rw", 0);
		assert_int_equal(cs_mountinfo_parse_line(l, strlen(l), &m), CS_ERANGE);
	}
}

static void test_find(void **state)
{
	cs_mount m;

	(void)state;
	assert_int_equal(cs_mountinfo_find_cgroup(hybrid, strlen(hybrid), NULL, &m), 0);
	assert_string_equal(m.point, "/sys/fs/cgroup/unified");
	assert_int_equal(cs_mountinfo_find_cgroup(hybrid, strlen(hybrid), "cpuacct", &m), 0);
	assert_string_equal(m.point, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(cs_mountinfo_find_cgroup(hybrid, strlen(hybrid), "memory", &m), 0);
	assert_string_equal(m.point, "/sys/fs/cgroup/memory");
	assert_int_equal(cs_mountinfo_find_cgroup(hybrid, strlen(hybrid), "cpu,cpuacct", &m), CS_ENOTFOUND);
	assert_int_equal(cs_mountinfo_find_cgroup(hybrid, strlen(hybrid), "pids", &m), CS_ENOTFOUND);
	/* a container's view: the mount shows a subtree, the last line has no newline */
	{
		const char *c = "garbage line\n"
		                "1386 1385 0:29 /kubepods.slice/pod1/ctr /sys/fs/cgroup ro,nosuid - cgroup2 cgroup rw";

		assert_int_equal(cs_mountinfo_find_cgroup(c, strlen(c), NULL, &m), 0);
		assert_string_equal(m.root, "/kubepods.slice/pod1/ctr");
		assert_int_equal(cs_mountinfo_find_cgroup(c, strlen(c) - 3, NULL, &m), 0); /* cut in the opts */
		assert_string_equal(m.super_opts, "");
	}
	assert_true(cs_opts_has("rw,cpu,cpuacct", 14, "cpu"));
	assert_false(cs_opts_has("rw,cpu,cpuacct", 13, "cpuacct")); /* len ends it */
	assert_false(cs_opts_has("", 0, "rw"));
}

static void test_reader(void **state)
{
	char dir[64], proc[128], self[160];
	cs_io io;
	cs_mount m;

	(void)state;
	assert_int_equal(tf_mkdtemp(dir, sizeof dir, "mountinfo"), 0);
	tf_snprintf(proc, sizeof proc, "%s/proc", dir);
	assert_int_equal(mkdir(proc, 0755), 0);
	tf_snprintf(self, sizeof self, "%s/self", proc);
	assert_int_equal(mkdir(self, 0755), 0);
	tf_write_file(dir, "proc/self/mountinfo", hybrid);
	assert_int_equal(cs_io_init(&io, NULL, NULL, proc, NULL), 0);
	assert_int_equal(cs_mountinfo_read_cgroup(&io, "cpuacct", &m), 0);
	assert_string_equal(m.point, "/sys/fs/cgroup/cpu,cpuacct");
	assert_int_equal(cs_mountinfo_read_cgroup(&io, "pids", &m), CS_ENOTFOUND);
	tf_remove_file(dir, "proc/self/mountinfo");
	assert_int_equal(cs_mountinfo_read_cgroup(&io, NULL, &m), -ENOENT);
	tf_rm_tree(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_line),
	    cmocka_unit_test(test_line_malformed),
	    cmocka_unit_test(test_find),
	    cmocka_unit_test(test_reader),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
