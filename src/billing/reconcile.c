/* billing/reconcile.c - provider carbon exports beside carbonstat's figures
 * (see reconcile.h). Files are small (one row per account x service x region
 * x month), so they are read whole and matched with plain scans.
 */
#include "billing/reconcile.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include <carbonstat/error.h>

#include "billing/csv.h"
#include "billing/format.h"
#include "core/mem.h"
#include "core/str.h"
#include "core/why.h"

struct cs_recon {
	cs_recon_row *rows;
	size_t n, cap;
	char provider[16];
};

static void norm(const char *s, char *out, size_t cap)
{
	size_t k = 0;

	for (; *s && k + 1 < cap; s++)
		if (isalnum((unsigned char)*s))
			out[k++] = (char)tolower((unsigned char)*s);
	out[k] = '\0';
}

static int month_of(const char *s, size_t n)
{
	int d = cs_bill_parse_day(s, n);

	if (d)
		return d / 100;
	/* "2024-09" */
	if (n == 7 && s[4] == '-' && isdigit((unsigned char)s[0]) && isdigit((unsigned char)s[5]))
		return atoi(s) * 100 + atoi(s + 5);
	return 0;
}

/* Adds to the row with the same key, or appends one. */
static int put(cs_recon *r, int month, const char *service, const char *region, double loc_kg, double mkt_kg)
{
	char ks[96], kr[48];

	norm(service, ks, sizeof ks);
	norm(region, kr, sizeof kr);
	for (size_t i = 0; i < r->n; i++) {
		cs_recon_row *x = &r->rows[i];
		char xs[96], xr[48];

		norm(x->service, xs, sizeof xs);
		norm(x->region, xr, sizeof xr);
		if (x->month == month && !strcmp(xs, ks) && !strcmp(xr, kr)) {
			if (!isnan(loc_kg))
				x->location_kg = isnan(x->location_kg) ? loc_kg : x->location_kg + loc_kg;
			if (!isnan(mkt_kg))
				x->market_kg = isnan(x->market_kg) ? mkt_kg : x->market_kg + mkt_kg;
			return 0;
		}
	}
	if (cs_grow(&r->rows, &r->cap, r->n + 1, sizeof *r->rows, 32))
		return CS_ENOMEM;
	cs_recon_row *x = &r->rows[r->n++];
	memset(x, 0, sizeof *x);
	x->month = month;
	cs_strcpy_fit(x->provider, sizeof x->provider, r->provider);
	cs_strcpy_fit(x->service, sizeof x->service, service);
	cs_strcpy_fit(x->region, sizeof x->region, region);
	x->location_kg = loc_kg;
	x->market_kg = mkt_kg;
	return 0;
}

static int col(const cs_csv_rec *h, const char *key)
{
	char k[128];

	for (size_t i = 0; i < h->nf; i++) {
		norm(h->f[i], k, sizeof k);
		if (!strcmp(k, key))
			return (int)i;
	}
	return -1;
}

static double num(const cs_csv_rec *r, int c)
{
	double v;
	bool null;

	if (c < 0 || (size_t)c >= r->nf || cs_bill_parse_qty(r->f[c], r->n[c], &v, &null) || null)
		return NAN;
	return v;
}

static const char *str(const cs_csv_rec *r, int c)
{
	return c >= 0 && (size_t)c < r->nf ? r->f[c] : "";
}

static int parse_csv(cs_recon *r, const char *data, size_t n, const char *name, char *why, size_t cap)
{
	cs_bill_src *src = NULL;
	cs_csv *csv = NULL;
	cs_csv_rec rec;
	int rc, cm, cs, crg, cl, cmk, aws;
	double scale;

	if ((rc = cs_bill_src_open_mem(data, n, name, &src, why, cap)))
		return rc;
	if ((rc = cs_csv_new(src, &csv)))
		goto out;
	rc = cs_csv_next(csv, &rec, why, cap);
	if (rc <= 0) {
		if (rc == 0)
			cs_set_why(why, cap, "%s: empty file", name);
		rc = rc ? rc : CS_EINVAL;
		goto out;
	}
	aws = col(&rec, "totallbmemissionsvalue") >= 0;
	if (aws) {
		cs_strcpy_fit(r->provider, sizeof r->provider, "aws");
		cm = col(&rec, "usageperiodstart");
		cs = col(&rec, "productcode");
		crg = col(&rec, "regioncode");
		cl = col(&rec, "totallbmemissionsvalue");
		cmk = col(&rec, "totalmbmemissionsvalue");
		scale = 1000.0; /* MTCO2e -> kg */
	} else if (col(&rec, "carbonfootprinttotalkgco2elocationbased") >= 0) {
		cs_strcpy_fit(r->provider, sizeof r->provider, "gcp");
		cm = col(&rec, "usagemonth");
		cs = col(&rec, "servicedescription");
		crg = col(&rec, "locationregion");
		if (crg < 0)
			crg = col(&rec, "locationlocation");
		cl = col(&rec, "carbonfootprinttotalkgco2elocationbased");
		cmk = col(&rec, "carbonfootprinttotalkgco2emarketbased");
		scale = 1.0;
	} else {
		cs_set_why(why, cap,
		           "%s: not a provider carbon export carbonstat knows (AWS CARBON_EMISSIONS with "
		           "total_lbm_emissions_value, GCP carbon footprint with "
		           "carbon_footprint_total_kgCO2e.location_based)",
		           name);
		rc = CS_EINVAL;
		goto out;
	}
	while ((rc = cs_csv_next(csv, &rec, why, cap)) != 0) {
		if (rc < 0)
			goto out;
		if (rec.nf == 1 && rec.n[0] == 0)
			continue;
		double l = num(&rec, cl), m = num(&rec, cmk);
		const char *ms = str(&rec, cm);
		if ((rc = put(r, month_of(ms, strlen(ms)), str(&rec, cs), str(&rec, crg), isnan(l) ? l : l * scale,
		              isnan(m) ? m : m * scale)))
			goto out;
	}
	rc = 0;
out:
	cs_csv_free(csv);
	cs_bill_src_free(src);
	return rc;
}

static const char *jstr(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	return json_is_string(v) ? json_string_value(v) : "";
}

static int parse_azure(cs_recon *r, const char *data, size_t n, const char *name, char *why, size_t cap)
{
	json_error_t err;
	json_t *root = json_loadb(data, n, 0, &err), *arr, *o;
	size_t i;
	int rc = 0;

	cs_strcpy_fit(r->provider, sizeof r->provider, "azure");
	if (!root) {
		cs_set_why(why, cap, "%s:%d: not valid JSON: %s", name, err.line, err.text);
		return CS_EINVAL;
	}
	arr = json_is_array(root) ? root : json_object_get(root, "value");
	if (!json_is_array(arr)) {
		cs_set_why(why, cap, "%s: no \"value\" array of emission records", name);
		json_decref(root);
		return CS_EINVAL;
	}
	json_array_foreach(arr, i, o)
	{
		json_t *te = json_object_get(o, "totalEmissions"), *lm = json_object_get(o, "latestMonthEmissions");
		int month = 0;

		if (!json_is_object(o))
			continue;
		if (json_is_number(te)) {
			/* Cloud for Sustainability EnrollmentEmission, mtCO2e */
			json_t *dk = json_object_get(o, "dateKey");
			if (json_is_integer(dk))
				month = (int)(json_integer_value(dk) / 100);
			else if (json_is_string(dk))
				month = month_of(json_string_value(dk), strlen(json_string_value(dk)));
			rc = put(r, month, jstr(o, "azureServiceName"), jstr(o, "azureRegionName"), NAN,
			         json_number_value(te) * 1000.0);
		} else if (json_is_number(lm)) {
			/* Carbon Optimization ItemDetailsData, kgCO2e, one dimension */
			const char *cat = jstr(o, "categoryType"), *d = jstr(o, "date");
			month = *d ? month_of(d, strlen(d)) : 0;
			rc = put(r, month, !strcmp(cat, "Location") ? "" : jstr(o, "itemName"),
			         !strcmp(cat, "Location") ? jstr(o, "itemName") : "", NAN, json_number_value(lm));
		}
		if (rc)
			break;
	}
	json_decref(root);
	if (!rc && r->n == 0) {
		cs_set_why(why, cap, "%s: no emission records (totalEmissions or latestMonthEmissions)", name);
		rc = CS_EINVAL;
	}
	return rc;
}

int cs_recon_parse(const char *data, size_t n, const char *name, cs_recon **out, char *why, size_t cap)
{
	cs_recon *r = calloc(1, sizeof *r);
	size_t i = 0;
	int rc;

	if (!r)
		return CS_ENOMEM;
	while (i < n && isspace((unsigned char)data[i]))
		i++;
	rc = i < n && (data[i] == '{' || data[i] == '[') ? parse_azure(r, data, n, name, why, cap)
	                                                 : parse_csv(r, data, n, name, why, cap);
	if (rc) {
		cs_recon_free(r);
		return rc;
	}
	*out = r;
	return 0;
}

int cs_recon_load(const char *path, cs_recon **out, char *why, size_t cap)
{
	cs_bill_src *src;
	char *buf = NULL;
	size_t len = 0, bcap = 0, got;
	int rc;

	if ((rc = cs_bill_src_open(path, &src, why, cap)))
		return rc;
	for (;;) {
		if (len + 65536 > bcap) {
			size_t nc = bcap ? bcap * 2 : 1u << 17;
			char *nb;
			if (nc > (256u << 20)) {
				cs_set_why(why, cap, "%s: larger than 256 MiB: not a provider carbon export", path);
				rc = CS_ERANGE;
				break;
			}
			if (!(nb = realloc(buf, nc))) {
				rc = CS_ENOMEM;
				break;
			}
			buf = nb;
			bcap = nc;
		}
		if ((rc = cs_bill_src_read(src, buf + len, bcap - len, &got, why, cap)) || !got)
			break;
		len += got;
	}
	cs_bill_src_free(src);
	if (!rc)
		rc = cs_recon_parse(buf ? buf : "", len, path, out, why, cap);
	free(buf);
	return rc;
}

const cs_recon_row *cs_recon_rows(const cs_recon *r, size_t *n)
{
	*n = r->n;
	return r->rows;
}

void cs_recon_free(cs_recon *r)
{
	if (!r)
		return;
	free(r->rows);
	free(r);
}

/* ---- side by side -------------------------------------------------------- */

const char *cs_recon_provider(const cs_recon *r)
{
	return r->provider;
}

static const char *bill_provider(const char *p)
{
	if (!strcmp(p, "AWS") || !strncmp(p, "Amazon", 6))
		return "aws";
	if (!strncmp(p, "Google", 6))
		return "gcp";
	if (!strncmp(p, "Micro", 5) || !strncmp(p, "Azure", 5))
		return "azure";
	return "";
}

static cs_recon_side *side_of(cs_recon_side **v, size_t *n, size_t *cap, int month, const char *service,
                              const char *region)
{
	char ks[96], kr[48], xs[96], xr[48];

	norm(service, ks, sizeof ks);
	norm(region, kr, sizeof kr);
	for (size_t i = 0; i < *n; i++) {
		norm((*v)[i].service, xs, sizeof xs);
		norm((*v)[i].region, xr, sizeof xr);
		if ((*v)[i].month == month && !strcmp(xs, ks) && !strcmp(xr, kr))
			return &(*v)[i];
	}
	if (cs_grow(v, cap, *n + 1, sizeof **v, 64))
		return NULL;
	cs_recon_side *s = &(*v)[(*n)++];
	memset(s, 0, sizeof *s);
	s->month = month;
	cs_strcpy_fit(s->service, sizeof s->service, service);
	cs_strcpy_fit(s->region, sizeof s->region, region);
	s->location_kg = s->market_kg = NAN;
	return s;
}

static int cmp_side(const void *a, const void *b)
{
	const cs_recon_side *x = a, *y = b;
	int c = (x->month > y->month) - (x->month < y->month);

	if (c)
		return c;
	if ((c = strcmp(x->service, y->service)))
		return c;
	return strcmp(x->region, y->region);
}

static double add_kg(double sum, double v)
{
	return isnan(v) ? sum : isnan(sum) ? v : sum + v;
}

int cs_recon_join(const cs_recon *r, const cs_bill *b, cs_recon_side **out, size_t *nout)
{
	cs_recon_side *v = NULL;
	size_t n = 0, cap = 0;

	for (size_t i = 0; i < r->n; i++) {
		cs_recon_side *s = side_of(&v, &n, &cap, r->rows[i].month, r->rows[i].service, r->rows[i].region);
		if (!s)
			goto oom;
		s->have_provider = true;
		s->location_kg = add_kg(s->location_kg, r->rows[i].location_kg);
		s->market_kg = add_kg(s->market_kg, r->rows[i].market_kg);
	}
	if (b) {
		size_t nr;
		const cs_bill_row *rows = cs_bill_rows(b, &nr);
		bool only_service = r->n && !*r->rows[0].region && *r->rows[0].service;
		bool only_region = r->n && *r->rows[0].region && !*r->rows[0].service;
		bool no_month = r->n && !r->rows[0].month;

		for (size_t i = 0; i < nr; i++) {
			if (strcmp(bill_provider(cs_bill_str(b, rows[i].provider)), r->provider))
				continue;
			cs_recon_side *s = side_of(&v, &n, &cap, no_month ? 0 : rows[i].day / 100,
			                           only_region ? "" : cs_bill_str(b, rows[i].service),
			                           only_service ? "" : cs_bill_str(b, rows[i].region));
			if (!s)
				goto oom;
			s->have_bill = true;
			s->op_kg += rows[i].sum.op_g / 1000.0;
			s->emb_kg += (rows[i].sum.emb_g + rows[i].sum.est_emb_g) / 1000.0;
		}
	}
	if (n)
		qsort(v, n, sizeof *v, cmp_side);
	*out = v;
	*nout = n;
	return 0;
oom:
	free(v);
	return CS_ENOMEM;
}
