/* bench/billgen.c - large synthetic cloud bills for benchmarks and tests.
 *
 *   billgen cur|cur2|focus ROWS [SEED] > bill.csv
 *
 * Writes an AWS legacy Cost and Usage Report, a CUR 2.0 (snake_case, map
 * columns) or a FOCUS 1.0 export (as AWS writes it, with its x_ columns)
 * of ROWS line items. The same seed gives the same line items in every
 * format, so the three files are one bill and must produce the same totals.
 *
 * The line items follow the shape of a real AWS bill: hourly EC2 instance
 * usage (on demand, spot, Savings Plan covered with its negation, reserved),
 * EBS volumes and snapshots, S3 storage and requests, data transfer out,
 * in, regional and inter-region, RDS and Aurora, Lambda, Fargate, NAT
 * gateways, load balancers, CloudWatch, DynamoDB, EKS, taxes and a credit;
 * 8 accounts, 6 regions, 30 days, team/env tags. Rows are about as wide as
 * the real anonymised CUR in ../shared (~800 bytes). Usage types and units
 * are AWS's own spellings (see docs/billing.md).
 *
 * Amounts are written with 10 decimals, as AWS does, so sums are exact.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct kind {
	const char *code;     /* lineItem/ProductCode */
	const char *svc_name; /* product/ProductName, FOCUS ServiceName */
	const char *category; /* FOCUS ServiceCategory */
	const char *family;   /* product/productFamily */
	const char *utype;    /* usage type after the region prefix */
	const char *op;       /* lineItem/Operation */
	const char *unit;     /* pricing/unit */
	const char *itype;    /* product/instanceType or "" */
	const char *vcpu;     /* product/vcpu */
	double rate;          /* USD per unit */
	double qmin, qmax;    /* quantity per line */
	int weight;
	const char *desc; /* lineItem/LineItemDescription (FOCUS ChargeDescription) */
} kind;

static const kind kinds[] = {
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:m5.large", "RunInstances",
     "Hrs", "m5.large", "2", 0.096, 1, 1, 90, "$0.096 per On Demand Linux m5.large Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:m5.xlarge", "RunInstances",
     "Hrs", "m5.xlarge", "4", 0.192, 1, 1, 60, "$0.192 per On Demand Linux m5.xlarge Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:c5.2xlarge", "RunInstances",
     "Hrs", "c5.2xlarge", "8", 0.34, 1, 1, 40, "$0.34 per On Demand Linux c5.2xlarge Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:r5.large", "RunInstances",
     "Hrs", "r5.large", "2", 0.126, 1, 1, 30, "$0.126 per On Demand Linux r5.large Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:t3.medium", "RunInstances",
     "Hrs", "t3.medium", "2", 0.0416, 1, 1, 50, "$0.0416 per On Demand Linux t3.medium Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:m6g.large", "RunInstances",
     "Hrs", "m6g.large", "2", 0.077, 1, 1, 30, "$0.077 per On Demand Linux m6g.large Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:c6i.4xlarge", "RunInstances",
     "Hrs", "c6i.4xlarge", "16", 0.68, 1, 1, 15, "$0.68 per On Demand Linux c6i.4xlarge Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "BoxUsage:g4dn.xlarge", "RunInstances",
     "Hrs", "g4dn.xlarge", "4", 0.526, 1, 1, 5, "$0.526 per On Demand Linux g4dn.xlarge Instance Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Compute", "Compute Instance", "SpotUsage:c5.xlarge",
     "RunInstances:SV001", "Hrs", "c5.xlarge", "4", 0.062, 1, 1, 20, "$0.062 per Linux c5.xlarge Spot Instance-hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Storage", "Storage", "EBS:VolumeUsage.gp3", "CreateVolume-Gp3",
     "GB-Mo", "", "", 0.08, 0.1, 2.0, 60, "$0.08 per GB-month of General Purpose (gp3) provisioned storage"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Storage", "Storage", "EBS:VolumeUsage.gp2", "CreateVolume-Gp2",
     "GB-Mo", "", "", 0.10, 0.1, 2.0, 20, "$0.10 per GB-month of General Purpose SSD (gp2) provisioned storage"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Storage", "Storage", "EBS:VolumeUsage.st1", "CreateVolume-St1",
     "GB-Mo", "", "", 0.045, 1.0, 8.0, 5, "$0.045 per GB-month of Throughput Optimized HDD (st1) provisioned storage"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Storage", "Storage Snapshot", "EBS:SnapshotUsage", "CreateSnapshot",
     "GB-Mo", "", "", 0.05, 0.5, 20.0, 20, "$0.05 per GB-Month of snapshot data stored"},
    {"AWSDataTransfer", "AWS Data Transfer", "Networking", "Data Transfer", "DataTransfer-Out-Bytes", "RunInstances",
     "GB", "", "", 0.09, 0.001, 5.0, 50, "$0.090 per GB - first 10 TB / month data transfer out"},
    {"AWSDataTransfer", "AWS Data Transfer", "Networking", "Data Transfer", "DataTransfer-In-Bytes", "RunInstances",
     "GB", "", "", 0.0, 0.001, 5.0, 25, "$0.00 per GB - data transfer in per month"},
    {"AWSDataTransfer", "AWS Data Transfer", "Networking", "Data Transfer", "DataTransfer-Regional-Bytes",
     "InterZone-In", "GB", "", "", 0.01, 0.001, 3.0, 40,
     "$0.010 per GB - regional data transfer - in/out/between EC2 AZs or using elastic IPs or ELB"},
    {"AWSDataTransfer", "AWS Data Transfer", "Networking", "Data Transfer", "USE1-AWS-Out-Bytes", "PublicIP-Out", "GB",
     "", "", 0.02, 0.001, 2.0, 15, "$0.02 per GB - US East (N. Virginia) data transfer to other AWS regions"},
    {"AmazonS3", "Amazon Simple Storage Service", "Storage", "Storage", "TimedStorage-ByteHrs", "StandardStorage",
     "GB-Mo", "", "", 0.023, 0.01, 50.0, 40, "$0.023 per GB - first 50 TB / month of storage used"},
    {"AmazonS3", "Amazon Simple Storage Service", "Storage", "Storage", "TimedStorage-SIA-ByteHrs", "StandardIAStorage",
     "GB-Mo", "", "", 0.0125, 0.01, 50.0, 10, "$0.0125 per GB-Month of storage used in Standard-Infrequent Access"},
    {"AmazonS3", "Amazon Simple Storage Service", "Storage", "API Request", "Requests-Tier1", "PutObject", "Requests",
     "", "", 0.000005, 1, 5000, 35, "$0.005 per 1,000 PUT, COPY, POST, or LIST requests"},
    {"AmazonS3", "Amazon Simple Storage Service", "Storage", "API Request", "Requests-Tier2", "GetObject", "Requests",
     "", "", 0.0000004, 1, 50000, 25, "$0.004 per 10,000 GET and all other requests"},
    {"AmazonRDS", "Amazon Relational Database Service", "Databases", "Database Instance", "InstanceUsage:db.r5.large",
     "CreateDBInstance:0002", "Hrs", "db.r5.large", "2", 0.25, 1, 1, 25,
     "$0.25 per RDS db.r5.large instance hour (or partial hour) running MySQL"},
    {"AmazonRDS", "Amazon Relational Database Service", "Databases", "Database Storage", "RDS:GP2-Storage",
     "CreateDBInstance:0002", "GB-Mo", "", "", 0.115, 0.5, 5.0, 15,
     "$0.115 per GB-month of provisioned GP2 storage running MySQL"},
    {"AmazonRDS", "Amazon Relational Database Service", "Databases", "Database Storage", "Aurora:StorageUsage",
     "CreateDBInstance:0016", "GB-Mo", "", "", 0.10, 0.5, 5.0, 8,
     "$0.10 per GB-month of storage used by Amazon Aurora"},
    {"AWSLambda", "AWS Lambda", "Compute", "Serverless", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second", "", "",
     0.0000166667, 10, 20000, 30, "AWS Lambda - Total Compute - US East (N. Virginia)"},
    {"AWSLambda", "AWS Lambda", "Compute", "Serverless", "Request", "Invoke", "Requests", "", "", 0.0000002, 10, 100000,
     20, "AWS Lambda - Total Requests - US East (N. Virginia)"},
    {"AmazonECS", "Amazon Elastic Container Service", "Compute", "Compute", "Fargate-vCPU-Hours:perCPU", "FargateTask",
     "hours", "", "", 0.04048, 0.25, 4, 20, "AWS Fargate - vCPU - US East (N. Virginia)"},
    {"AmazonECS", "Amazon Elastic Container Service", "Compute", "Compute", "Fargate-GB-Hours", "FargateTask", "hours",
     "", "", 0.004445, 0.5, 16, 20, "AWS Fargate - Memory - US East (N. Virginia)"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Networking", "NAT Gateway", "NatGateway-Hours", "NatGateway", "Hrs",
     "", "", 0.045, 1, 1, 8, "$0.045 per NAT Gateway Hour"},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "Networking", "NAT Gateway", "NatGateway-Bytes", "NatGateway", "GB",
     "", "", 0.045, 0.01, 10, 8, "$0.045 per GB Data Processed by NAT Gateways"},
    {"AWSELB", "Elastic Load Balancing", "Networking", "Load Balancer-Application", "LoadBalancerUsage",
     "LoadBalancing:Application", "Hrs", "", "", 0.0225, 1, 1, 12,
     "$0.0225 per Application LoadBalancer-hour (or partial hour)"},
    {"AWSELB", "Elastic Load Balancing", "Networking", "Load Balancer-Application", "LCUUsage",
     "LoadBalancing:Application", "LCU-Hrs", "", "", 0.008, 0.001, 2, 12,
     "$0.008 per used Application load balancer capacity unit-hour (or partial hour)"},
    {"AmazonCloudWatch", "AmazonCloudWatch", "Management and Governance", "Metric", "CW:MetricMonitorUsage",
     "MetricStorage", "Metrics", "", "", 0.3, 0.01, 1, 10, "$0.30 per metric-month - first 10,000 metrics"},
    {"AmazonCloudWatch", "AmazonCloudWatch", "Management and Governance", "Storage Snapshot", "TimedStorage-ByteHrs",
     "HourlyStorageMetering", "GB-Mo", "", "", 0.03, 0.01, 2, 6, "$0.03 per GB-mo of log storage"},
    {"AmazonDynamoDB", "Amazon DynamoDB", "Databases", "Database Storage", "TimedStorage-ByteHrs", "StandardStorage",
     "GB-Mo", "", "", 0.25, 0.01, 2, 6, "$0.25 per GB-Month of storage used beyond first 25 free GB-Months"},
    {"AmazonDynamoDB", "Amazon DynamoDB", "Databases", "Provisioned IOPS", "WriteCapacityUnit-Hrs",
     "CommittedThroughput", "WriteCapacityUnit-Hrs", "", "", 0.00065, 1, 100, 6, "$0.00065 per WriteCapacityUnit-Hrs"},
    {"AmazonEKS", "Amazon Elastic Container Service for Kubernetes", "Compute", "Compute", "AmazonEKS-Hours:perCluster",
     "CreateOperation", "Hours", "", "", 0.10, 1, 1, 4, "Amazon EKS cluster usage"},
};
#define NKINDS (sizeof kinds / sizeof kinds[0])

static const struct {
	const char *code, *prefix, *name;
} regions[] = {
    {"us-east-1", "", "US East (N. Virginia)"},
    {"us-west-2", "USW2-", "US West (Oregon)"},
    {"eu-west-1", "EU-", "EU (Ireland)"},
    {"eu-central-1", "EUC1-", "EU (Frankfurt)"},
    {"ap-southeast-2", "APS2-", "Asia Pacific (Sydney)"},
    {"ap-northeast-1", "APN1-", "Asia Pacific (Tokyo)"},
};
#define NREGIONS 6
static const char *teams[] = {"payments", "search", "platform", "data", "web", "ml"};
static const char *envs[] = {"prod", "staging", "dev"};

static uint64_t rng_state;
static uint64_t rnd(void)
{
	/* xorshift64*: fast, deterministic per seed */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * UINT64_C(2685821657736338717);
}
static double rnd01(void)
{
	return (double)(rnd() >> 11) / 9007199254740992.0;
}

typedef struct item {
	const kind *k;
	int region, day, hour, account, team, env;
	char lit[24]; /* Usage, SavingsPlanCoveredUsage, SavingsPlanNegation, DiscountedUsage, Tax, Credit */
	double qty, cost, eff;
	char type[64]; /* full usage type with region prefix */
	char id[56];
	char rid[64];
} item;

static int cum[NKINDS + 1];

static void make_item(item *it, uint64_t n)
{
	int w = (int)(rnd() % (uint64_t)cum[NKINDS]), i = 0;

	while (cum[i + 1] <= w)
		i++;
	it->k = &kinds[i];
	it->region = (int)(rnd() % NREGIONS);
	it->day = 1 + (int)(rnd() % 30);
	it->hour = (int)(rnd() % 24);
	it->account = (int)(rnd() % 8);
	it->team = (int)(rnd() % 6);
	it->env = (int)(rnd() % 3);
	it->qty = it->k->qmin + (it->k->qmax - it->k->qmin) * rnd01();
	it->qty = (double)(int64_t)(it->qty * 1e6 + 0.5) / 1e6;
	it->cost = (double)(int64_t)(it->qty * it->k->rate * 1e10 + 0.5) / 1e10;
	it->eff = it->cost;
	strcpy(it->lit, "Usage");
	if (!strcmp(it->k->unit, "Hrs") && it->k->itype[0] && strncmp(it->k->utype, "Spot", 4)) {
		unsigned r = (unsigned)(rnd() % 10);
		if (r < 3) {
			strcpy(it->lit, "SavingsPlanCoveredUsage");
			it->eff = (double)(int64_t)(it->cost * 0.72 * 1e10 + 0.5) / 1e10;
		} else if (r < 4) {
			strcpy(it->lit, "DiscountedUsage");
			it->eff = (double)(int64_t)(it->cost * 0.6 * 1e10 + 0.5) / 1e10;
		}
	}
	if (rnd() % 1000 < 4) {
		strcpy(it->lit, "Tax");
		it->eff = it->cost = (double)(int64_t)(rnd01() * 5.0 * 1e10) / 1e10;
	} else if (rnd() % 20000 == 0) {
		strcpy(it->lit, "Credit");
		it->eff = it->cost = -(double)(int64_t)(rnd01() * 20.0 * 1e10) / 1e10;
	}
	snprintf(it->type, sizeof it->type, "%s%s", regions[it->region].prefix, it->k->utype);
	snprintf(it->id, sizeof it->id, "%016" PRIx64 "%016" PRIx64 "%010" PRIu64, rnd(), rnd(), n);
	if (!strcmp(it->k->code, "AmazonEC2") && it->k->itype[0])
		snprintf(it->rid, sizeof it->rid, "i-%017" PRIx64, rnd() >> 4);
	else if (!strcmp(it->k->code, "AmazonS3"))
		snprintf(it->rid, sizeof it->rid, "bucket-%s-%d", teams[it->team], it->account);
	else if (strstr(it->k->utype, "VolumeUsage"))
		snprintf(it->rid, sizeof it->rid, "vol-%017" PRIx64, rnd() >> 4);
	else
		it->rid[0] = '\0';
}

static const char *account_id(int a)
{
	static const char *ids[] = {"111122223333", "222233334444", "333344445555", "444455556666",
	                            "555566667777", "666677778888", "777788889999", "888899990000"};
	return ids[a];
}

/* A CSV field that may hold commas (quoted, as AWS writes them). */
static void q(FILE *f, const char *s)
{
	if (strpbrk(s, ",\"\n")) {
		fputc('"', f);
		for (; *s; s++) {
			if (*s == '"')
				fputc('"', f);
			fputc(*s, f);
		}
		fputc('"', f);
	} else {
		fputs(s, f);
	}
}

static void ts(char *out, size_t cap, int day, int hour)
{
	snprintf(out, cap, "2024-09-%02dT%02d:00:00Z", day, hour);
}

static const char cur_header[] =
    "identity/LineItemId,identity/TimeInterval,bill/InvoiceId,bill/InvoicingEntity,bill/BillingEntity,bill/BillType,"
    "bill/PayerAccountId,bill/BillingPeriodStartDate,bill/BillingPeriodEndDate,lineItem/UsageAccountId,"
    "lineItem/LineItemType,lineItem/UsageStartDate,lineItem/UsageEndDate,lineItem/ProductCode,lineItem/UsageType,"
    "lineItem/Operation,lineItem/AvailabilityZone,lineItem/ResourceId,lineItem/UsageAmount,"
    "lineItem/NormalizationFactor,lineItem/NormalizedUsageAmount,lineItem/CurrencyCode,lineItem/UnblendedRate,"
    "lineItem/UnblendedCost,lineItem/BlendedRate,lineItem/BlendedCost,lineItem/LineItemDescription,lineItem/TaxType,"
    "lineItem/LegalEntity,product/ProductName,product/availability,product/durability,product/group,"
    "product/instanceFamily,product/instanceType,product/location,product/locationType,product/memory,"
    "product/operatingSystem,product/operation,product/physicalProcessor,product/productFamily,product/region,"
    "product/regionCode,product/servicecode,product/servicename,product/sku,product/storageClass,"
    "product/storageMedia,product/tenancy,product/transferType,product/usagetype,product/vcpu,product/volumeType,"
    "pricing/LeaseContractLength,pricing/OfferingClass,pricing/PurchaseOption,pricing/RateCode,pricing/RateId,"
    "pricing/currency,pricing/publicOnDemandCost,pricing/publicOnDemandRate,pricing/term,pricing/unit,"
    "reservation/AmortizedUpfrontCostForUsage,reservation/AmortizedUpfrontFeeForBillingPeriod,"
    "reservation/EffectiveCost,reservation/EndTime,reservation/ModificationStatus,"
    "reservation/NormalizedUnitsPerReservation,reservation/NumberOfReservations,reservation/RecurringFeeForUsage,"
    "reservation/ReservationARN,reservation/StartTime,reservation/SubscriptionId,"
    "reservation/TotalReservedNormalizedUnits,reservation/TotalReservedUnits,reservation/UnitsPerReservation,"
    "reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedNormalizedUnitQuantity,"
    "reservation/UnusedQuantity,reservation/UnusedRecurringFee,reservation/UpfrontValue,"
    "savingsPlan/TotalCommitmentToDate,savingsPlan/SavingsPlanARN,savingsPlan/SavingsPlanRate,"
    "savingsPlan/UsedCommitment,savingsPlan/SavingsPlanEffectiveCost,"
    "savingsPlan/AmortizedUpfrontCommitmentForBillingPeriod,savingsPlan/RecurringCommitmentForBillingPeriod,"
    "resourceTags/user:team,resourceTags/user:env\n";

static void cur_row(FILE *f, const item *it, int snake)
{
	const kind *k = it->k;
	char start[32], end[32];
	int is_sp = !strcmp(it->lit, "SavingsPlanCoveredUsage"), is_ri = !strcmp(it->lit, "DiscountedUsage");
	int is_usage = strcmp(it->lit, "Tax") && strcmp(it->lit, "Credit");

	ts(start, sizeof start, it->day, it->hour);
	ts(end, sizeof end, it->day, it->hour + 1 > 23 ? 23 : it->hour + 1);
	fprintf(f,
	        "%s,2024-09-%02dT%02d:00:00Z/2024-09-%02dT%02d:00:00Z,,\"Amazon Web Services, Inc.\",AWS,Anniversary,"
	        "999988887777,2024-09-01T00:00:00Z,2024-10-01T00:00:00Z,%s,%s,%s,%s,%s,",
	        it->id, it->day, it->hour, it->day, it->hour, account_id(it->account), it->lit, start, end, k->code);
	if (is_usage)
		fprintf(f, "%s,%s,%s%c,", it->type, k->op, regions[it->region].code, 'a' + (int)(it->hour % 3));
	else
		fputs(",,,", f);
	fprintf(f, "%s,%.6f,%s,%s,USD,%.10f,%.10f,%.10f,%.10f,", it->rid, is_usage ? it->qty : 1.0,
	        k->itype[0] ? "4" : "", k->itype[0] ? "4" : "", k->rate, it->cost, k->rate, it->cost);
	if (is_usage)
		q(f, k->desc);
	else
		fputs(!strcmp(it->lit, "Tax") ? "Tax for product code AmazonEC2" : "Promotional credit", f);
	fprintf(f, ",%s,\"Amazon Web Services, Inc.\",", strcmp(it->lit, "Tax") ? "" : "VAT");
	q(f, k->svc_name);
	fprintf(f, ",%s,%s,,%s,%s,%s,AWS Region,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,", "",
	        strcmp(k->code, "AmazonS3") ? "" : "99.999999999%", k->itype[0] ? "General purpose" : "", k->itype,
	        regions[it->region].name, k->itype[0] ? "8 GiB" : "", k->itype[0] ? "Linux" : "", k->op,
	        k->itype[0] ? "Intel Xeon Platinum 8175" : "", k->family, regions[it->region].code,
	        regions[it->region].code, k->code, k->svc_name, "ABCDEFGH12345678",
	        strcmp(k->code, "AmazonS3") ? "" : "General Purpose", strstr(k->utype, "Volume") ? "SSD-backed" : "",
	        k->itype[0] ? "Shared" : "", strstr(k->utype, "Bytes") ? "AWS Outbound" : "", it->type, k->vcpu,
	        strstr(k->utype, "gp3") ? "General Purpose" : "");
	fprintf(f, "%s,%s,%s,ABCDEFGH12345678.JRTCKXETXF.6YS6EN2CT7,123456789,USD,%.10f,%.10f,%s,%s,",
	        is_ri ? "1yr" : "", is_ri ? "standard" : "", is_ri ? "No Upfront" : "", it->cost, k->rate,
	        is_ri ? "Reserved" : "OnDemand", k->unit);
	if (is_ri)
		fprintf(f,
		        "0.0,0.0,%.10f,2025-01-01T00:00:00Z,,4,1,%.10f,arn:aws:ec2:%s:%s:reserved-instances/abc,"
		        "2024-01-01T00:00:00Z,12345,0,0,1,0.0,0,0,0.0,0.0,",
		        it->eff, it->eff, regions[it->region].code, account_id(it->account));
	else
		fputs(",,,,,,,,,,,,,,,,,,,", f);
	if (is_sp)
		fprintf(f, "0.0,arn:aws:savingsplans::999988887777:savingsplan/abc,%.10f,%.10f,%.10f,0.0,0.0,",
		        k->rate * 0.72, it->eff, it->eff);
	else
		fputs(",,,,,,,", f);
	fprintf(f, "%s,%s\n", teams[it->team], envs[it->env]);
	(void)snake;
}

/* CUR 2.0: the same columns in snake_case, tags and product details in maps. */
static void cur2_header(FILE *f)
{
	const char *h = cur_header;
	char name[128];
	size_t n = 0;
	int first = 1;

	for (; *h; h++) {
		if (*h == ',' || *h == '\n') {
			name[n] = '\0';
			if (strncmp(name, "resource_tags", 13)) {
				fputs(first ? "" : ",", f);
				fputs(name, f);
				first = 0;
			}
			n = 0;
			continue;
		}
		if (*h == '/') {
			name[n++] = '_';
			continue;
		}
		if (*h >= 'A' && *h <= 'Z') {
			if (n && name[n - 1] != '_')
				name[n++] = '_';
			name[n++] = (char)(*h - 'A' + 'a');
			continue;
		}
		if (*h == ':')
			continue;
		name[n++] = *h;
		if (!strncmp(name, "resource_tags", 13) || !strncmp(name, "resourcetags", 12)) {
			/* replaced by the map column below */
		}
	}
	fputs(",resource_tags,product,cost_category,discount\n", f);
}

static void cur2_row(FILE *f, const item *it)
{
	char buf[8192];
	FILE *m = fmemopen(buf, sizeof buf, "w");
	size_t len;
	char *last_comma;

	cur_row(m, it, 1);
	fclose(m);
	len = strlen(buf);
	/* drop the two tag columns of the legacy row (the last two fields) */
	buf[len - 1] = '\0';
	last_comma = strrchr(buf, ',');
	*last_comma = '\0';
	last_comma = strrchr(buf, ',');
	*last_comma = '\0';
	fputs(buf, f);
	fprintf(f, ",\"{\"\"user_team\"\": \"\"%s\"\", \"\"user_env\"\": \"\"%s\"\"}\",", teams[it->team],
	        envs[it->env]);
	if (it->k->itype[0])
		fprintf(
		    f, "\"{\"\"instance_type\"\": \"\"%s\"\", \"\"vcpu\"\": \"\"%s\"\", \"\"region\"\": \"\"%s\"\"}\",",
		    it->k->itype, it->k->vcpu, regions[it->region].code);
	else
		fprintf(f, "\"{\"\"region\"\": \"\"%s\"\"}\",", regions[it->region].code);
	fputs("{},{}\n", f);
}

static const char focus_header[] =
    "AvailabilityZone,BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,"
    "BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,"
    "ChargePeriodStart,CommitmentDiscountCategory,CommitmentDiscountId,CommitmentDiscountName,"
    "CommitmentDiscountStatus,CommitmentDiscountType,ConsumedQuantity,ConsumedUnit,ContractedCost,"
    "ContractedUnitPrice,EffectiveCost,InvoiceIssuerName,ListCost,ListUnitPrice,PricingCategory,PricingQuantity,"
    "PricingUnit,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ResourceType,"
    "ServiceCategory,ServiceName,SkuId,SkuPriceId,SubAccountId,SubAccountName,Tags,x_CostCategories,x_Discounts,"
    "x_Operation,x_ServiceCode,x_UsageType\n";

static const char *focus_unit(const char *u)
{
	/* AWS's FOCUS export spells units out */
	if (!strcmp(u, "Hrs") || !strcmp(u, "hours"))
		return "Hours";
	if (!strcmp(u, "GB-Mo"))
		return "GB-Months";
	if (!strcmp(u, "Lambda-GB-Second"))
		return "Lambda-GB-Seconds";
	if (!strcmp(u, "LCU-Hrs"))
		return "LCU-Hours";
	if (!strcmp(u, "WriteCapacityUnit-Hrs"))
		return "WriteCapacityUnit-Hours";
	return u;
}

static void focus_row(FILE *f, const item *it)
{
	const kind *k = it->k;
	int is_usage = strcmp(it->lit, "Tax") && strcmp(it->lit, "Credit");
	int is_sp = !strcmp(it->lit, "SavingsPlanCoveredUsage"), is_ri = !strcmp(it->lit, "DiscountedUsage");
	const char *cat = !strcmp(it->lit, "Tax") ? "Tax" : !strcmp(it->lit, "Credit") ? "Credit" : "Usage";

	fprintf(f, "%s%c,%.10f,999988887777,acme,USD,2024-10-01 00:00:00,2024-09-01 00:00:00,%s,,",
	        is_usage ? regions[it->region].code : "", is_usage ? 'a' + (int)(it->hour % 3) : ' ', it->cost, cat);
	if (is_usage)
		q(f, k->desc);
	else
		fputs(!strcmp(it->lit, "Tax") ? "Tax for product code AmazonEC2" : "Promotional credit", f);
	fprintf(f, ",%s,2024-09-%02d %02d:00:00,2024-09-%02d %02d:00:00,%s,%s,,%s,%s,",
	        is_usage ? "Usage-Based" : "One-Time", it->day, it->hour + 1 > 23 ? 23 : it->hour + 1, it->day,
	        it->hour, is_sp || is_ri ? "Usage" : "",
	        is_sp   ? "arn:aws:savingsplans::999988887777:savingsplan/abc"
	        : is_ri ? "arn:aws:ec2:reserved-instances/abc"
	                : "",
	        is_sp || is_ri ? "Used" : "",
	        is_sp   ? "Savings Plan"
	        : is_ri ? "Reservation"
	                : "");
	if (is_usage)
		fprintf(f, "%.6f,%s,", it->qty, focus_unit(k->unit));
	else
		fputs(",,", f);
	fprintf(f,
	        "%.10f,%.10f,%.10f,\"Amazon Web Services, Inc.\",%.10f,%.10f,%s,%.6f,%s,AWS,\"Amazon Web Services, "
	        "Inc.\",%s,",
	        it->cost, k->rate, it->eff, it->cost, k->rate, is_sp || is_ri ? "Committed" : "Standard",
	        is_usage ? it->qty : 1.0, focus_unit(k->unit), is_usage ? regions[it->region].code : "");
	q(f, is_usage ? regions[it->region].name : "");
	fprintf(f, ",%s,%s,%s,", it->rid, it->rid, it->rid[0] ? "instance" : "");
	q(f, k->category);
	fputc(',', f);
	q(f, k->svc_name);
	fprintf(f, ",ABCDEFGH12345678,ABCDEFGH12345678.JRTCKXETXF,%s,acct-%d,", account_id(it->account), it->account);
	fprintf(f, "\"{\"\"user:team\"\": \"\"%s\"\", \"\"user:env\"\": \"\"%s\"\"}\",{},{},%s,%s,%s\n",
	        teams[it->team], envs[it->env], is_usage ? k->op : "", k->code, is_usage ? it->type : "");
}

int main(int argc, char **argv)
{
	unsigned long long rows;
	static char obuf[1 << 20];
	item it;
	int fmt;

	if (argc < 3 || argc > 4) {
		fprintf(stderr, "usage: billgen cur|cur2|focus ROWS [SEED] > bill.csv\n");
		return 2;
	}
	if (!strcmp(argv[1], "cur"))
		fmt = 0;
	else if (!strcmp(argv[1], "cur2"))
		fmt = 1;
	else if (!strcmp(argv[1], "focus"))
		fmt = 2;
	else {
		fprintf(stderr, "billgen: unknown format '%s' (cur, cur2, focus)\n", argv[1]);
		return 2;
	}
	rows = strtoull(argv[2], NULL, 10);
	rng_state = argc == 4 ? strtoull(argv[3], NULL, 10) * 2654435761u + 1 : 88172645463325252ull;
	for (size_t i = 0; i < NKINDS; i++)
		cum[i + 1] = cum[i] + kinds[i].weight;
	setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
	if (fmt == 0)
		fputs(cur_header, stdout);
	else if (fmt == 1)
		cur2_header(stdout);
	else
		fputs(focus_header, stdout);
	for (unsigned long long n = 0; n < rows; n++) {
		make_item(&it, n);
		if (fmt == 0)
			cur_row(stdout, &it, 0);
		else if (fmt == 1)
			cur2_row(stdout, &it);
		else
			focus_row(stdout, &it);
	}
	return fflush(stdout) ? 1 : 0;
}
