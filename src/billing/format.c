/* billing/format.c - format detection, column binding and row mappers.
 *
 * One table per format lists, for each role (account, usage type, cost...),
 * the normalised column names that hold it, best first. The mappers below
 * then only pick fields by index. The cost rules are the providers' own:
 *
 *  - AWS (CUR and CUR 2.0), effective = amortised cost, as AWS's Cost
 *    Explorer computes it: Usage -> unblended cost; DiscountedUsage ->
 *    reservation/EffectiveCost; SavingsPlanCoveredUsage -> savingsPlan/
 *    SavingsPlanEffectiveCost; SavingsPlanNegation and SavingsPlanUpfrontFee
 *    -> 0 (already in the covered usage); SavingsPlanRecurringFee -> the
 *    unused commitment (TotalCommitmentToDate - UsedCommitment); RIFee ->
 *    the unused reservation (UnusedAmortizedUpfrontFee + UnusedRecurringFee);
 *    anything else (Tax, Credit, Refund, Fee...) -> unblended. Billed =
 *    unblended. Without the reservation/savings plan columns effective =
 *    unblended, and the run says so.
 *  - FOCUS: EffectiveCost and BilledCost as written.
 *  - GCP: billed = cost, effective = cost + the credits' amounts.
 *  - Azure: the one cost column (CostInBillingCurrency; an amortised export
 *    writes amortised cost in it), so effective = billed.
 */
#include "billing/format.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/str.h"
#include "core/why.h"

static const char *const format_names[CS_BILL_FORMAT_COUNT] = {"auto", "focus", "aws-cur", "aws-cur2", "gcp", "azure"};

const char *cs_bill_format_name(cs_bill_format f)
{
	return cs_name_at(format_names, CS_BILL_FORMAT_COUNT, (unsigned)f, "?");
}

int cs_bill_format_parse(const char *s)
{
	return cs_name_index(format_names, CS_BILL_FORMAT_COUNT, s);
}

/* ---- header names -------------------------------------------------------- */

/* lower case, [a-z0-9] only: "lineItem/UsageType" -> "lineitemusagetype" */
static void norm_name(const char *s, size_t n, char *out, size_t cap)
{
	size_t k = 0;

	for (size_t i = 0; i < n && k + 1 < cap; i++) {
		unsigned char c = (unsigned char)s[i];
		if (isalnum(c))
			out[k++] = (char)tolower(c);
	}
	out[k] = '\0';
}

static bool has_raw(const cs_csv_rec *h, const char *name)
{
	for (size_t i = 0; i < h->nf; i++)
		if (!strcmp(h->f[i], name))
			return true;
	return false;
}

static int find_norm(const cs_csv_rec *h, const char *key)
{
	char k[160];

	for (size_t i = 0; i < h->nf; i++) {
		norm_name(h->f[i], h->n[i], k, sizeof k);
		if (!strcmp(k, key))
			return (int)i;
	}
	return -1;
}

static bool has_norm(const cs_csv_rec *h, const char *key)
{
	return find_norm(h, key) >= 0;
}

cs_bill_format cs_bill_detect(const cs_csv_rec *h)
{
	if (has_norm(h, "billedcost") && has_norm(h, "effectivecost") &&
	    (has_norm(h, "chargeperiodstart") || has_norm(h, "chargecategory")))
		return CS_BILL_FOCUS;
	if (has_raw(h, "lineItem/UsageType") || has_raw(h, "lineitem/usagetype"))
		return CS_BILL_AWS_CUR;
	if (has_raw(h, "line_item_usage_type") &&
	    (has_raw(h, "bill_payer_account_id") || has_raw(h, "line_item_unblended_cost")))
		return CS_BILL_AWS_CUR2;
	if (has_norm(h, "skudescription") && has_norm(h, "usageamount") && has_norm(h, "servicedescription"))
		return CS_BILL_GCP;
	if (has_norm(h, "metercategory") &&
	    (has_norm(h, "costinbillingcurrency") || has_norm(h, "pretaxcost") || has_norm(h, "cost")))
		return CS_BILL_AZURE;
	return CS_BILL_AUTO;
}

/* ---- binding tables ------------------------------------------------------ */

typedef struct role_names {
	int role;
	const char *names[4]; /* normalised, best first */
	bool required;
} role_names;

static const role_names aws_roles[] = {
    {R_ACCOUNT, {"lineitemusageaccountid", "billpayeraccountid"}, true},
    {R_SERVICE, {"lineitemproductcode", "productservicecode"}, true},
    {R_USAGE_TYPE, {"lineitemusagetype"}, true},
    {R_UNIT, {"pricingunit"}, false},
    {R_QTY, {"lineitemusageamount"}, true},
    {R_START, {"lineitemusagestartdate"}, false},
    {R_BILLED, {"lineitemunblendedcost"}, true},
    {R_CURRENCY, {"lineitemcurrencycode"}, false},
    {R_REGION, {"productregioncode"}, false},
    {R_REGION2, {"productregion"}, false},
    {R_AZ, {"lineitemavailabilityzone"}, false},
    {R_RESOURCE, {"lineitemresourceid"}, false},
    {R_INSTANCE, {"productinstancetype"}, false},
    {R_CHARGE, {"lineitemlineitemtype"}, true},
    {R_FAMILY, {"productproductfamily"}, false},
    {R_DESC, {"lineitemlineitemdescription"}, false},
    {R_RI_EFF, {"reservationeffectivecost"}, false},
    {R_SP_EFF, {"savingsplansavingsplaneffectivecost"}, false},
    {R_RI_UNUSED_AMORT, {"reservationunusedamortizedupfrontfeeforbillingperiod"}, false},
    {R_RI_UNUSED_RECUR, {"reservationunusedrecurringfee"}, false},
    {R_SP_COMMIT, {"savingsplantotalcommitmenttodate"}, false},
    {R_SP_USED, {"savingsplanusedcommitment"}, false},
    {R_TAGS, {"resourcetags"}, false},
    {R_PRODUCT_MAP, {"product"}, false},
    {-1, {NULL}, false},
};

static const role_names focus_roles[] = {
    {R_PROVIDER, {"providername", "serviceprovidername", "publishername"}, false},
    {R_ACCOUNT, {"subaccountid", "billingaccountid"}, true},
    {R_SERVICE, {"servicename"}, true},
    {R_CATEGORY, {"servicecategory"}, false},
    {R_REGION, {"regionid", "region"}, false},
    {R_UNIT, {"consumedunit"}, false},
    {R_QTY, {"consumedquantity"}, false},
    {R_UNIT2, {"pricingunit"}, false},
    {R_QTY2, {"pricingquantity"}, false},
    {R_START, {"chargeperiodstart"}, false},
    {R_EFF, {"effectivecost"}, true},
    {R_BILLED, {"billedcost"}, true},
    {R_CURRENCY, {"billingcurrency"}, false},
    {R_TAGS, {"tags"}, false},
    {R_RESOURCE, {"resourceid"}, false},
    {R_RESOURCE_TYPE, {"resourcetype"}, false},
    {R_CHARGE, {"chargecategory"}, false},
    {R_DESC, {"chargedescription"}, false},
    {R_X_USAGE, {"xusagetype"}, false},
    {R_X_SERVICE, {"xservicecode"}, false},
    {R_INSTANCE, {"xinstancetype"}, false},
    {-1, {NULL}, false},
};

static const role_names gcp_roles[] = {
    {R_ACCOUNT, {"projectid", "projectname", "billingaccountid"}, false},
    {R_SERVICE, {"servicedescription"}, true},
    {R_USAGE_TYPE, {"skudescription"}, true},
    {R_UNIT, {"usageunit"}, false},
    {R_QTY, {"usageamount"}, true},
    {R_START, {"usagestarttime"}, false},
    {R_BILLED, {"cost"}, true},
    {R_CURRENCY, {"currency"}, false},
    {R_REGION, {"locationregion"}, false},
    {R_REGION2, {"locationlocation"}, false},
    {R_CREDITS, {"credits"}, false},
    {R_CHARGE, {"costtype"}, false},
    {R_TAGS, {"labels", "projectlabels"}, false},
    {R_SYS_LABELS, {"systemlabels"}, false},
    {R_RESOURCE, {"resourcename", "resourceglobalname"}, false},
    {-1, {NULL}, false},
};

static const role_names azure_roles[] = {
    {R_ACCOUNT, {"subscriptionid", "subscriptionguid", "subscriptionname"}, false},
    {R_SERVICE, {"metercategory"}, true},
    {R_METER_SUB, {"metersubcategory"}, false},
    {R_USAGE_TYPE, {"metername"}, false},
    {R_UNIT, {"unitofmeasure"}, false},
    {R_QTY, {"quantity", "usagequantity", "consumedquantity"}, true},
    {R_START, {"date", "usagedatetime", "usagedate"}, false},
    {R_BILLED, {"costinbillingcurrency", "pretaxcost", "cost", "costinusd"}, true},
    {R_CURRENCY, {"billingcurrencycode", "billingcurrency", "currency"}, false},
    {R_REGION, {"resourcelocation", "location"}, false},
    {R_REGION2, {"meterregion"}, false},
    {R_TAGS, {"tags"}, false},
    {R_RESOURCE, {"resourceid", "instanceid", "instancename"}, false},
    {R_CHARGE, {"chargetype"}, false},
    {R_ADDINFO, {"additionalinfo"}, false},
    {-1, {NULL}, false},
};

static const role_names *roles_of(cs_bill_format f)
{
	switch (f) {
	case CS_BILL_FOCUS: return focus_roles;
	case CS_BILL_AWS_CUR:
	case CS_BILL_AWS_CUR2: return aws_roles;
	case CS_BILL_GCP: return gcp_roles;
	case CS_BILL_AZURE: return azure_roles;
	default: return NULL;
	}
}

static const char *const format_titles[CS_BILL_FORMAT_COUNT] = {
    "", "a FOCUS export", "an AWS CUR", "an AWS CUR 2.0 export", "a GCP billing export", "an Azure cost export"};

int cs_bill_map_bind(cs_bill_map *m, cs_bill_format fmt, const cs_csv_rec *h, const char *tag_key, char *why,
                     size_t cap)
{
	const role_names *t = roles_of(fmt);

	memset(m, 0, sizeof *m);
	if (!t) {
		cs_set_why(why, cap, "no format to bind");
		return CS_EINVAL;
	}
	m->fmt = fmt;
	m->ncols = h->nf;
	m->tag_col = -1;
	for (int r = 0; r < R_ROLE_COUNT; r++)
		m->col[r] = -1;
	for (; t->role >= 0; t++) {
		for (int k = 0; k < 4 && t->names[k]; k++) {
			int c = find_norm(h, t->names[k]);
			if (c >= 0) {
				m->col[t->role] = c;
				break;
			}
		}
		if (m->col[t->role] < 0 && t->required) {
			cs_set_why(why, cap, "not %s: no %s column (use --format to choose another)",
			           format_titles[fmt], t->names[0]);
			return CS_EINVAL;
		}
	}
	if (fmt == CS_BILL_FOCUS)
		m->focus_minor =
		    (has_norm(h, "billingaccounttype") || has_norm(h, "invoiceid") || has_norm(h, "pricingcurrency"))
		        ? 2
		    : (has_norm(h, "servicesubcategory") || has_norm(h, "capacityreservationid") ||
		       has_norm(h, "skumeter"))
		        ? 1
		        : 0;
	m->amortisation = m->col[R_RI_EFF] >= 0 || m->col[R_SP_EFF] >= 0;
	if (tag_key && *tag_key) {
		cs_strcpy_fit(m->tag_key, sizeof m->tag_key, tag_key);
		if (fmt == CS_BILL_AWS_CUR) {
			/* legacy CUR: one column per tag, resourceTags/user:KEY */
			char want[160], key[140];

			norm_name(tag_key, strlen(tag_key), key, sizeof key);
			snprintf(want, sizeof want, "resourcetagsuser%s", key);
			m->tag_col = find_norm(h, want);
			if (m->tag_col < 0) {
				snprintf(want, sizeof want, "resourcetags%s", key);
				m->tag_col = find_norm(h, want);
			}
		}
	}
	return 0;
}

/* ---- field helpers ------------------------------------------------------- */

static inline cs_sv fld(const cs_csv_rec *r, int c)
{
	if (c < 0 || (size_t)c >= r->nf)
		return (cs_sv){"", 0};
	/* FOCUS samples write missing values as the bare text NULL */
	if (r->n[c] == 4 && !r->quoted[c] && !memcmp(r->f[c], "NULL", 4))
		return (cs_sv){"", 0};
	return (cs_sv){r->f[c], r->n[c]};
}

static inline bool sv_eq(cs_sv s, const char *lit)
{
	size_t n = strlen(lit);
	return s.n == n && !memcmp(s.p, lit, n);
}

static int money_of(const cs_csv_rec *r, int c, cs_money *out, cs_bill_line *l, const char *what, char *why, size_t cap)
{
	cs_sv s = fld(r, c);
	bool rounded = false;
	int rc;

	*out = 0;
	if (!s.n)
		return 0;
	rc = cs_money_parse(s.p, s.n, out, NULL, &rounded);
	if (rc) {
		cs_set_why(why, cap, "%s '%.*s' is not a number", what, (int)(s.n > 40 ? 40 : s.n), s.p);
		return CS_EINVAL;
	}
	if (rounded)
		l->money_rounded = true;
	return 0;
}

/* Exact powers of ten a double holds (Clinger's fast path). */
static const double pow10_exact[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                     1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int cs_bill_parse_qty(const char *s, size_t n, double *out, bool *null)
{
	const char *p = s, *end = s + n;
	uint64_t mant = 0;
	int digits = 0, frac = 0, neg = 0, seen = 0;

	*null = false;
	if (n == 0 || (n == 4 && !memcmp(s, "NULL", 4))) {
		*out = 0;
		*null = true;
		return 0;
	}
	if (*p == '-' || *p == '+')
		neg = *p++ == '-';
	for (; p < end && *p >= '0' && *p <= '9'; p++, seen = 1)
		if (digits < 19 && (mant || *p != '0'))
			mant = mant * 10 + (uint64_t)(*p - '0'), digits++;
		else if (digits >= 19)
			goto slow;
	if (p < end && *p == '.') {
		for (p++; p < end && *p >= '0' && *p <= '9'; p++, seen = 1) {
			if (digits >= 19)
				goto slow;
			if (mant || *p != '0')
				digits++;
			mant = mant * 10 + (uint64_t)(*p - '0');
			frac++;
		}
	}
	if (!seen)
		return CS_EINVAL;
	if (p == end && mant < ((uint64_t)1 << 53) && frac <= 22) {
		double v = (double)mant / pow10_exact[frac];
		*out = neg ? -v : v;
		return 0;
	}
slow:
	/* exponent form or many digits: strtod on a bounded copy (fields are
	 * short; this path is rare) */
	{
		char buf[64];
		char *e;
		double v;

		if (n >= sizeof buf)
			return CS_EINVAL;
		memcpy(buf, s, n);
		buf[n] = '\0';
		for (size_t i = 0; i < n; i++)
			if (!(isdigit((unsigned char)buf[i]) || buf[i] == '.' || buf[i] == 'e' || buf[i] == 'E' ||
			      buf[i] == '-' || buf[i] == '+'))
				return CS_EINVAL;
		v = strtod(buf, &e);
		if (e != buf + n || v != v)
			return CS_EINVAL;
		*out = v;
		return 0;
	}
}

static inline int d2(const char *s)
{
	return (s[0] - '0') * 10 + (s[1] - '0');
}

static inline bool digits_at(const char *s, size_t k)
{
	for (size_t i = 0; i < k; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

int cs_bill_parse_day(const char *s, size_t n)
{
	int y, m, d;

	if (n >= 10 && s[4] == '-' && s[7] == '-' && digits_at(s, 4) && digits_at(s + 5, 2) && digits_at(s + 8, 2)) {
		y = d2(s) * 100 + d2(s + 2);
		m = d2(s + 5);
		d = d2(s + 8);
	} else if (n >= 8 && digits_at(s, 8) && (n == 8 || !isdigit((unsigned char)s[8]))) {
		y = d2(s) * 100 + d2(s + 2);
		m = d2(s + 4);
		d = d2(s + 6);
	} else {
		/* Azure: M/D/YYYY */
		const char *p = s, *end = s + n;
		int part[3] = {0, 0, 0}, k = 0, nd = 0;

		for (; p < end && k < 3; p++) {
			if (*p >= '0' && *p <= '9') {
				part[k] = part[k] * 10 + (*p - '0');
				if (++nd > 4)
					return 0;
			} else if (*p == '/' && k < 2 && nd) {
				k++;
				nd = 0;
			} else {
				break;
			}
		}
		if (k != 2 || nd != 4)
			return 0;
		m = part[0];
		d = part[1];
		y = part[2];
	}
	if (m < 1 || m > 12 || d < 1 || d > 31 || y < 1970 || y > 2200)
		return 0;
	return y * 10000 + m * 100 + d;
}

/* ---- tags ---------------------------------------------------------------- */

/* The JSON string starting at p (just after its opening quote). */
static bool json_str(const char *p, const char *end, cs_sv *out)
{
	const char *q = p;

	while (q < end && *q != '"') {
		if (*q == '\\' && q + 1 < end)
			q++;
		q++;
	}
	if (q >= end)
		return false;
	*out = (cs_sv){p, (uint32_t)(q - p)};
	return true;
}

static const char *skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	return p;
}

static bool tag_lookup1(const char *text, size_t n, const char *key, cs_sv *out)
{
	const char *end = text + n, *p = text;
	size_t kl = strlen(key);

	while (p < end) {
		const char *q = memchr(p, key[0], (size_t)(end - p));
		if (!q || (size_t)(end - q) < kl)
			return false;
		if (memcmp(q, key, kl)) {
			p = q + 1;
			continue;
		}
		const char *after = q + kl;
		if (q > text && q[-1] == '"' && after < end && *after == '"') {
			/* "key": "value"  or GCP {"key": "k", "value": "v"} */
			const char *r = skip_ws(after + 1, end);
			if (r < end && *r == ':') {
				r = skip_ws(r + 1, end);
				if (r < end && *r == '"' && json_str(r + 1, end, out))
					return true;
			} else if (r < end && *r == ',') {
				const char *v = r;
				while ((v = memchr(v, '"', (size_t)(end - v))) != NULL && (size_t)(end - v) > 7) {
					if (!memcmp(v, "\"value\"", 7)) {
						const char *w = skip_ws(v + 7, end);
						if (w < end && *w == ':') {
							w = skip_ws(w + 1, end);
							if (w < end && *w == '"' && json_str(w + 1, end, out))
								return true;
						}
						break;
					}
					v++;
				}
			}
		} else if ((q == text || q[-1] == '{' || q[-1] == ' ' || q[-1] == ',') && after < end &&
		           *after == '=') {
			/* {key=value, ...} */
			const char *v = after + 1, *w = v;
			while (w < end && *w != ',' && *w != '}')
				w++;
			*out = (cs_sv){v, (uint32_t)(w - v)};
			return true;
		}
		p = q + 1;
	}
	return false;
}

bool cs_bill_tag_lookup(const char *text, size_t n, const char *key, cs_sv *out)
{
	char alt[160];

	if (!key || !*key || !n)
		return false;
	if (tag_lookup1(text, n, key, out))
		return true;
	snprintf(alt, sizeof alt, "user:%s", key);
	if (tag_lookup1(text, n, alt, out))
		return true;
	snprintf(alt, sizeof alt, "user_%s", key);
	return tag_lookup1(text, n, alt, out);
}

/* ---- mappers ------------------------------------------------------------- */

static const cs_sv NONE_SV = {"", 0};

/* The classification key, in the order every mapper gives it: service, usage
 * type, unit, then up to three fields of the format's own (NONE_SV when it has
 * fewer). */
static void set_cls(cs_bill_line *l, cs_sv service, cs_sv usage, cs_sv unit, cs_sv a, cs_sv b, cs_sv c)
{
	const cs_sv key[CS_BILL_KEY_FIELDS] = {service, usage, unit, a, b, c};

	memcpy(l->cls, key, sizeof key);
}

static void set_tag(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l)
{
	cs_sv t;

	l->tag = NONE_SV;
	if (!m->tag_key[0])
		return;
	if (m->tag_col >= 0) {
		l->tag = fld(r, m->tag_col);
		return;
	}
	t = fld(r, m->col[R_TAGS]);
	if (t.n)
		cs_bill_tag_lookup(t.p, t.n, m->tag_key, &l->tag);
}

static int qty_of(const cs_csv_rec *r, int c, cs_bill_line *l, char *why, size_t cap)
{
	cs_sv s = fld(r, c);

	if (cs_bill_parse_qty(s.p, s.n, &l->qty, &l->qty_null)) {
		cs_set_why(why, cap, "quantity '%.*s' is not a number", (int)(s.n > 40 ? 40 : s.n), s.p);
		return CS_EINVAL;
	}
	return 0;
}

/* The fields every mapper but FOCUS reads the same way: account, service,
 * usage text, unit, currency, resource, region (its second column when the
 * first is empty), day, quantity and the billed cost (cost_name in messages). */
static int map_common(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l, const char *cost_name, char *why,
                      size_t cap)
{
	cs_sv st = fld(r, m->col[R_START]);
	int rc;

	l->account = fld(r, m->col[R_ACCOUNT]);
	l->service = fld(r, m->col[R_SERVICE]);
	l->usage = fld(r, m->col[R_USAGE_TYPE]);
	l->unit = fld(r, m->col[R_UNIT]);
	l->currency = fld(r, m->col[R_CURRENCY]);
	l->resource = fld(r, m->col[R_RESOURCE]);
	l->region = fld(r, m->col[R_REGION]);
	if (!l->region.n)
		l->region = fld(r, m->col[R_REGION2]);
	l->day = cs_bill_parse_day(st.p, st.n);
	if ((rc = qty_of(r, m->col[R_QTY], l, why, cap)))
		return rc;
	return money_of(r, m->col[R_BILLED], &l->billed, l, cost_name, why, cap);
}

static int map_aws(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l, char *why, size_t cap)
{
	cs_sv lt = fld(r, m->col[R_CHARGE]);
	int rc;

	l->prov = CS_PROVIDER_AWS;
	l->provider = (cs_sv){"AWS", 3};
	l->scheme = CS_SCHEME_AWS;
	if ((rc = map_common(m, r, l, "lineItem/UnblendedCost", why, cap)))
		return rc;
	if (!l->region.n) {
		/* older CURs: the zone "us-east-1a" names the region */
		cs_sv az = fld(r, m->col[R_AZ]);
		if (az.n > 1 && az.p[az.n - 1] >= 'a' && az.p[az.n - 1] <= 'z' && az.p[az.n - 2] >= '0' &&
		    az.p[az.n - 2] <= '9')
			az.n--;
		l->region = az;
	}
	l->eff = l->billed;
	l->nonusage = true;
	switch (lt.n ? lt.p[0] : 0) {
	case 'U': l->nonusage = !sv_eq(lt, "Usage"); break;
	case 'D':
		if (sv_eq(lt, "DiscountedUsage")) {
			l->nonusage = false;
			if (m->col[R_RI_EFF] >= 0 &&
			    (rc = money_of(r, m->col[R_RI_EFF], &l->eff, l, "reservation/EffectiveCost", why, cap)))
				return rc;
		}
		break;
	case 'S':
		if (sv_eq(lt, "SavingsPlanCoveredUsage")) {
			l->nonusage = false;
			if (m->col[R_SP_EFF] >= 0 && (rc = money_of(r, m->col[R_SP_EFF], &l->eff, l,
			                                            "savingsPlan/SavingsPlanEffectiveCost", why, cap)))
				return rc;
		} else if (sv_eq(lt, "SavingsPlanNegation") || sv_eq(lt, "SavingsPlanUpfrontFee")) {
			if (m->amortisation)
				l->eff = 0;
		} else if (sv_eq(lt, "SavingsPlanRecurringFee") && m->col[R_SP_COMMIT] >= 0 && m->col[R_SP_USED] >= 0) {
			cs_money total, used;
			if ((rc = money_of(r, m->col[R_SP_COMMIT], &total, l, "savingsPlan/TotalCommitmentToDate", why,
			                   cap)) ||
			    (rc = money_of(r, m->col[R_SP_USED], &used, l, "savingsPlan/UsedCommitment", why, cap)))
				return rc;
			l->eff = total - used;
		}
		break;
	case 'R':
		if (sv_eq(lt, "RIFee") && m->col[R_RI_UNUSED_AMORT] >= 0 && m->col[R_RI_UNUSED_RECUR] >= 0) {
			cs_money a, b;
			if ((rc = money_of(r, m->col[R_RI_UNUSED_AMORT], &a, l,
			                   "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod", why, cap)) ||
			    (rc = money_of(r, m->col[R_RI_UNUSED_RECUR], &b, l, "reservation/UnusedRecurringFee", why,
			                   cap)))
				return rc;
			l->eff = a + b;
		}
		break;
	default: break;
	}
	/* instance type: its own column, or the CUR 2.0 product map */
	cs_sv inst = fld(r, m->col[R_INSTANCE]);
	if (!inst.n && m->col[R_PRODUCT_MAP] >= 0) {
		cs_sv pm = fld(r, m->col[R_PRODUCT_MAP]);
		if (pm.n)
			cs_bill_tag_lookup(pm.p, pm.n, "instance_type", &inst);
	}
	set_cls(l, l->service, l->usage, l->unit, inst, fld(r, m->col[R_FAMILY]), NONE_SV);
	set_tag(m, r, l);
	return 0;
}

static cs_provider focus_provider(cs_sv p)
{
	if (p.n >= 3 && (!memcmp(p.p, "AWS", 3) || (p.n >= 6 && !memcmp(p.p, "Amazon", 6))))
		return CS_PROVIDER_AWS;
	if (p.n >= 6 && (!memcmp(p.p, "Google", 6) || !memcmp(p.p, "GCP", 3)))
		return CS_PROVIDER_GCP;
	if (p.n >= 5 && (!memcmp(p.p, "Micro", 5) || !memcmp(p.p, "Azure", 5)))
		return CS_PROVIDER_AZURE;
	return CS_PROVIDER_UNKNOWN;
}

static int map_focus(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l, char *why, size_t cap)
{
	cs_sv cat = fld(r, m->col[R_CHARGE]);
	int rc;

	l->provider = fld(r, m->col[R_PROVIDER]);
	l->prov = focus_provider(l->provider);
	l->account = fld(r, m->col[R_ACCOUNT]);
	l->service = fld(r, m->col[R_SERVICE]);
	l->region = fld(r, m->col[R_REGION]);
	l->currency = fld(r, m->col[R_CURRENCY]);
	l->resource = fld(r, m->col[R_RESOURCE]);
	cs_sv st = fld(r, m->col[R_START]);
	l->day = cs_bill_parse_day(st.p, st.n);
	l->unit = fld(r, m->col[R_UNIT]);
	if ((rc = qty_of(r, m->col[R_QTY], l, why, cap)))
		return rc;
	if (!l->unit.n || l->qty_null) {
		/* no consumed quantity: the pricing quantity is the usage measure */
		l->unit = fld(r, m->col[R_UNIT2]);
		if ((rc = qty_of(r, m->col[R_QTY2], l, why, cap)))
			return rc;
	}
	if ((rc = money_of(r, m->col[R_EFF], &l->eff, l, "EffectiveCost", why, cap)) ||
	    (rc = money_of(r, m->col[R_BILLED], &l->billed, l, "BilledCost", why, cap)))
		return rc;
	/* Usage is usage; Purchase, Tax, Credit, Adjustment are cost only */
	l->nonusage = cat.n && !sv_eq(cat, "Usage");
	cs_sv xu = fld(r, m->col[R_X_USAGE]);
	if (l->prov == CS_PROVIDER_AWS && xu.n) {
		/* AWS's FOCUS export keeps the CUR usage type: classify as a CUR */
		l->scheme = CS_SCHEME_AWS;
		cs_sv xs = fld(r, m->col[R_X_SERVICE]);
		l->usage = xu;
		set_cls(l, xs.n ? xs : l->service, xu, l->unit, fld(r, m->col[R_INSTANCE]), NONE_SV, NONE_SV);
	} else {
		l->scheme = CS_SCHEME_FOCUS;
		l->usage = fld(r, m->col[R_DESC]);
		set_cls(l, l->service, l->usage, l->unit, fld(r, m->col[R_RESOURCE_TYPE]), fld(r, m->col[R_CATEGORY]),
		        l->provider);
	}
	set_tag(m, r, l);
	return 0;
}

/* Sum of "amount" values in GCP's credits array, exactly. */
static int gcp_credits(cs_sv c, cs_money *sum, char *why, size_t cap)
{
	const char *p = c.p, *end = c.p + c.n;

	*sum = 0;
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q || end - q < 8)
			return 0;
		if (memcmp(q, "\"amount\"", 8)) {
			p = q + 1;
			continue;
		}
		q = skip_ws(q + 8, end);
		if (q >= end || *q != ':')
			return 0;
		q = skip_ws(q + 1, end);
		const char *v = q;
		while (q < end &&
		       (isdigit((unsigned char)*q) || *q == '-' || *q == '+' || *q == '.' || *q == 'e' || *q == 'E'))
			q++;
		cs_money a;
		if (cs_money_parse(v, (size_t)(q - v), &a, NULL, NULL)) {
			cs_set_why(why, cap, "credits: amount '%.*s' is not a number",
			           (int)((q - v) > 30 ? 30 : (q - v)), v);
			return CS_EINVAL;
		}
		*sum += a;
		p = q;
	}
	return 0;
}

static int map_gcp(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l, char *why, size_t cap)
{
	cs_sv ct = fld(r, m->col[R_CHARGE]);
	cs_money credits = 0;
	int rc;

	l->prov = CS_PROVIDER_GCP;
	l->provider = (cs_sv){"Google Cloud", 12};
	l->scheme = CS_SCHEME_GCP;
	if ((rc = map_common(m, r, l, "cost", why, cap)))
		return rc;
	cs_sv cr = fld(r, m->col[R_CREDITS]);
	if (cr.n && (rc = gcp_credits(cr, &credits, why, cap)))
		return rc;
	l->eff = l->billed + credits;
	l->nonusage = ct.n && !sv_eq(ct, "regular");
	cs_sv spec = {"", 0}, sl = fld(r, m->col[R_SYS_LABELS]);
	if (sl.n)
		cs_bill_tag_lookup(sl.p, sl.n, "compute.googleapis.com/machine_spec", &spec);
	set_cls(l, l->service, l->usage, l->unit, spec, NONE_SV, NONE_SV);
	set_tag(m, r, l);
	return 0;
}

static int map_azure(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l, char *why, size_t cap)
{
	cs_sv ct = fld(r, m->col[R_CHARGE]);
	int rc;

	l->prov = CS_PROVIDER_AZURE;
	l->provider = (cs_sv){"Microsoft", 9};
	l->scheme = CS_SCHEME_AZURE;
	if ((rc = map_common(m, r, l, "CostInBillingCurrency", why, cap)))
		return rc;
	l->eff = l->billed;
	l->nonusage = ct.n && !sv_eq(ct, "Usage");
	cs_sv vm = {"", 0}, ai = fld(r, m->col[R_ADDINFO]);
	if (ai.n)
		cs_bill_tag_lookup(ai.p, ai.n, "ServiceType", &vm);
	set_cls(l, l->service, l->usage, l->unit, vm, fld(r, m->col[R_METER_SUB]), NONE_SV);
	set_tag(m, r, l);
	return 0;
}

int cs_bill_map_row(const cs_bill_map *m, const cs_csv_rec *r, cs_bill_line *l, char *why, size_t cap)
{
	l->money_rounded = false;
	switch (m->fmt) {
	case CS_BILL_AWS_CUR:
	case CS_BILL_AWS_CUR2: return map_aws(m, r, l, why, cap);
	case CS_BILL_FOCUS: return map_focus(m, r, l, why, cap);
	case CS_BILL_GCP: return map_gcp(m, r, l, why, cap);
	case CS_BILL_AZURE: return map_azure(m, r, l, why, cap);
	default: cs_set_why(why, cap, "no format"); return CS_EINVAL;
	}
}
