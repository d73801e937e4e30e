/* tests/support/bill_fixture.h - one bill file read whole, for the billing
 * tests: the new / add_file / finish sequence each of them carried a copy of,
 * with the conservation check (cost out == cost in) every reading must pass. */
#ifndef CS_TESTS_SUPPORT_BILL_FIXTURE_H
#define CS_TESTS_SUPPORT_BILL_FIXTURE_H

#include "billing/ingest.h"

/* Reads path with options o into a finished bill (the caller frees it). Any
 * error, or a bill whose costs do not add up, fails the test with the reason. */
cs_bill *tf_bill_read(const cs_bill_opts *o, const char *path);

#endif
