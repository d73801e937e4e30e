/* tests/support/bill_fixture.c - see bill_fixture.h. */
#include "bill_fixture.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

cs_bill *tf_bill_read(const cs_bill_opts *o, const char *path)
{
	cs_bill *b;
	char why[512];

	assert_int_equal(cs_bill_new(o, &b), 0);
	if (cs_bill_add_file(b, path, why, sizeof why)) {
		print_error("%s: %s\n", path, why);
		fail();
	}
	assert_int_equal(cs_bill_finish(b), 0);
	assert_true(cs_bill_conserved(b));
	return b;
}
