/* billing/classify.c - rule tables and per-unit models (see classify.h).
 *
 * The AWS usage-type lists follow the ones Cloud Carbon Footprint
 * maintains (CostAndUsageTypes.ts, ReplicationFactors.ts), the GCP and Azure
 * ones its BillingExportTypes.ts / ConsumptionTypes.ts, re-expressed as
 * ordered match rules; where carbonstat classifies differently the rule
 * says so and docs/billing.md gives the reason.
 */
#include "billing/classify.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/model.h>

#include "billing/coeff.h"
#include "data/tables.h"

enum kind {
	K_UNKNOWN = 0, /* no energy model: estimated by cost later */
	K_INSTANCE,    /* instance-hours of a known type */
	K_VCPU,        /* vCPU-hours */
	K_MEM,         /* memory GB-hours */
	K_SERVERLESS,  /* GB-seconds of a function */
	K_GPU,         /* GPU-hours */
	K_STORAGE,     /* GB-months (cls says SSD or HDD) */
	K_AZ_DISK,     /* Azure managed disk-months: size from the tier */
	K_NETWORK,     /* GB moved */
	K_ZERO,        /* classified, no energy of its own (counted elsewhere) */
};

enum match { M_EQ, M_PREFIX, M_SUFFIX, M_WORD, M_CONTAINS };

typedef struct rule {
	const char *service; /* cls[0] must equal this; NULL: any service */
	unsigned char field; /* cls[] index the text is matched in */
	unsigned char match;
	const char *text;
	unsigned char kind;
	unsigned char cls; /* storage: SSD/HDD; K_ZERO: the class reported */
	float factor;      /* storage replication; instance count (Multi-AZ: 2) */
	const char *label;
} rule;

#define SSD CS_BC_STORAGE_SSD
#define HDD CS_BC_STORAGE_HDD
#define CMP CS_BC_COMPUTE
#define NON CS_BC_NONUSAGE

/* AWS usage types (cls[1]), service code in cls[0]. First match wins. */
static const rule aws_rules[] = {
    /* capacity reserved and not used: cost, no usage */
    {NULL, 1, M_CONTAINS, "UnusedBox", K_ZERO, NON, 1, "aws:unused reservation"},
    {NULL, 1, M_CONTAINS, "UnusedDed", K_ZERO, NON, 1, "aws:unused reservation"},
    /* instance-hours: the type follows the colon */
    {NULL, 1, M_CONTAINS, "BoxUsage", K_INSTANCE, CMP, 1, "aws:BoxUsage"},
    {NULL, 1, M_CONTAINS, "SpotUsage", K_INSTANCE, CMP, 1, "aws:SpotUsage"},
    {NULL, 1, M_CONTAINS, "DedicatedUsage", K_INSTANCE, CMP, 1, "aws:DedicatedUsage"},
    {NULL, 1, M_CONTAINS, "SchedUsage", K_INSTANCE, CMP, 1, "aws:SchedUsage"},
    {NULL, 1, M_CONTAINS, "HeavyUsage", K_INSTANCE, CMP, 1, "aws:HeavyUsage"},
    {NULL, 1, M_CONTAINS, "Multi-AZUsage", K_INSTANCE, CMP, 2, "aws:RDS Multi-AZ (2 instances)"},
    {NULL, 1, M_CONTAINS, "InstanceUsage", K_INSTANCE, CMP, 1, "aws:RDS InstanceUsage"},
    {NULL, 1, M_CONTAINS, "NodeUsage", K_INSTANCE, CMP, 1, "aws:ElastiCache NodeUsage"},
    {NULL, 1, M_CONTAINS, "ESInstance", K_INSTANCE, CMP, 1, "aws:OpenSearch instance"},
    /* containers and functions */
    {NULL, 1, M_CONTAINS, "ECS-EC2-", K_ZERO, CMP, 1, "aws:ECS on EC2 (counted in the EC2 lines)"},
    {NULL, 1, M_CONTAINS, "Fargate-vCPU-Hours", K_VCPU, CMP, 1, "aws:Fargate vCPU"},
    {NULL, 1, M_CONTAINS, "Fargate-EphemeralStorage-GB-Hours", K_STORAGE, SSD, 1, "aws:Fargate ephemeral storage"},
    {NULL, 1, M_CONTAINS, "Fargate-GB-Hours", K_MEM, CS_BC_MEMORY, 1, "aws:Fargate memory"},
    {NULL, 1, M_CONTAINS, "Lambda-GB-Second", K_SERVERLESS, CMP, 1, "aws:Lambda GB-seconds"},
    {NULL, 1, M_CONTAINS, "Lambda-Edge-GB-Second", K_SERVERLESS, CMP, 1, "aws:Lambda@Edge GB-seconds"},
    {NULL, 1, M_CONTAINS, "Lambda-Provisioned-GB-Second", K_SERVERLESS, CMP, 1, "aws:Lambda provisioned GB-seconds"},
    /* EBS */
    {NULL, 1, M_CONTAINS, "VolumeUsage.gp2", K_STORAGE, SSD, 2, "aws:EBS gp2"},
    {NULL, 1, M_CONTAINS, "VolumeUsage.gp3", K_STORAGE, SSD, 2, "aws:EBS gp3"},
    {NULL, 1, M_CONTAINS, "VolumeUsage.io1", K_STORAGE, SSD, 2, "aws:EBS io1"},
    {NULL, 1, M_CONTAINS, "VolumeUsage.io2", K_STORAGE, SSD, 2, "aws:EBS io2"},
    {NULL, 1, M_CONTAINS, "VolumeUsage.piops", K_STORAGE, SSD, 2, "aws:EBS piops"},
    {NULL, 1, M_CONTAINS, "VolumeUsage.st1", K_STORAGE, HDD, 2, "aws:EBS st1"},
    {NULL, 1, M_CONTAINS, "VolumeUsage.sc1", K_STORAGE, HDD, 2, "aws:EBS sc1"},
    {NULL, 1, M_SUFFIX, "VolumeUsage", K_STORAGE, HDD, 2, "aws:EBS magnetic"},
    {NULL, 1, M_CONTAINS, "SnapshotUsage", K_STORAGE, HDD, 3, "aws:EBS snapshot (in S3)"},
    {NULL, 1, M_CONTAINS, "SnapshotArchiveStorage", K_STORAGE, HDD, 3, "aws:EBS snapshot archive"},
    /* S3 */
    {"AmazonS3", 1, M_CONTAINS, "TimedStorage-ZIA", K_STORAGE, HDD, 2, "aws:S3 One Zone-IA"},
    {"AmazonS3", 1, M_CONTAINS, "EarlyDelete-ZIA", K_STORAGE, HDD, 2, "aws:S3 One Zone-IA early delete"},
    {"AmazonS3", 1, M_CONTAINS, "TimedStorage-RRS", K_STORAGE, HDD, 2, "aws:S3 reduced redundancy"},
    {"AmazonS3", 1, M_CONTAINS, "TimedStorage", K_STORAGE, HDD, 3, "aws:S3 storage"},
    {"AmazonS3", 1, M_CONTAINS, "EarlyDelete", K_STORAGE, HDD, 3, "aws:S3 early delete"},
    {"AmazonGlacier", 1, M_CONTAINS, "TimedStorage", K_STORAGE, HDD, 3, "aws:Glacier"},
    /* file systems and databases */
    {"AmazonEFS", 1, M_CONTAINS, "ZIA", K_STORAGE, SSD, 2, "aws:EFS One Zone"},
    {"AmazonEFS", 1, M_CONTAINS, "TimedStorage", K_STORAGE, SSD, 3, "aws:EFS"},
    {"AmazonDynamoDB", 1, M_CONTAINS, "TimedBackupStorage", K_STORAGE, HDD, 3, "aws:DynamoDB backup (in S3)"},
    {"AmazonDynamoDB", 1, M_CONTAINS, "TimedPITRStorage", K_STORAGE, SSD, 2, "aws:DynamoDB PITR"},
    {"AmazonDynamoDB", 1, M_CONTAINS, "TimedStorage", K_STORAGE, SSD, 2, "aws:DynamoDB storage"},
    {"AmazonECR", 1, M_CONTAINS, "TimedStorage", K_STORAGE, HDD, 3, "aws:ECR storage"},
    {"AmazonCloudWatch", 1, M_CONTAINS, "TimedStorage", K_STORAGE, HDD, 1, "aws:CloudWatch log storage"},
    {"AmazonRDS", 1, M_CONTAINS, "BackupUsage", K_STORAGE, HDD, 3, "aws:RDS backup (in S3)"},
    {"AmazonRDS", 1, M_CONTAINS, "Aurora:StorageUsage", K_STORAGE, SSD, 6, "aws:Aurora storage (6 copies)"},
    {"AmazonRDS", 1, M_CONTAINS, "Multi-AZ", K_STORAGE, SSD, 2, "aws:RDS Multi-AZ storage"},
    {"AmazonRDS", 1, M_CONTAINS, "GP2-Storage", K_STORAGE, SSD, 1, "aws:RDS gp2"},
    {"AmazonRDS", 1, M_CONTAINS, "GP3-Storage", K_STORAGE, SSD, 1, "aws:RDS gp3"},
    {"AmazonRDS", 1, M_CONTAINS, "PIOPS-Storage", K_STORAGE, SSD, 1, "aws:RDS piops"},
    {"AmazonRDS", 1, M_CONTAINS, "StorageUsage", K_STORAGE, HDD, 1, "aws:RDS magnetic"},
    {"AmazonDocDB", 1, M_CONTAINS, "BackupUsage", K_STORAGE, HDD, 3, "aws:DocumentDB backup"},
    {"AmazonDocDB", 1, M_CONTAINS, "StorageUsage", K_STORAGE, SSD, 2, "aws:DocumentDB storage"},
    {"AmazonElastiCache", 1, M_CONTAINS, "BackupUsage", K_STORAGE, HDD, 3, "aws:ElastiCache backup"},
    {"AmazonNeptune", 1, M_CONTAINS, "StorageUsage", K_STORAGE, SSD, 1, "aws:Neptune storage"},
    /* data moved (CCF excludes CloudFront; carbonstat counts its bytes too) */
    {NULL, 1, M_CONTAINS, "NatGateway-Bytes", K_UNKNOWN, 0, 1, "aws:NAT data processed"},
    {NULL, 1, M_CONTAINS, "DataTransfer-", K_NETWORK, CS_BC_NETWORK, 1, "aws:data transfer"},
    {NULL, 1, M_SUFFIX, "AWS-Out-Bytes", K_NETWORK, CS_BC_NETWORK, 1, "aws:inter-region out"},
    {NULL, 1, M_SUFFIX, "AWS-In-Bytes", K_NETWORK, CS_BC_NETWORK, 1, "aws:inter-region in"},
    {NULL, 1, M_SUFFIX, "VpcEndpoint-Bytes", K_NETWORK, CS_BC_NETWORK, 1, "aws:VPC endpoint bytes"},
    {NULL, 1, M_SUFFIX, "TransitGateway-Bytes", K_NETWORK, CS_BC_NETWORK, 1, "aws:transit gateway bytes"},
    {NULL, 1, M_SUFFIX, "Out-Bytes", K_NETWORK, CS_BC_NETWORK, 1, "aws:bytes out"},
    {NULL, 1, M_SUFFIX, "In-Bytes", K_NETWORK, CS_BC_NETWORK, 1, "aws:bytes in"},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* GCP SKU descriptions (cls[1]), service description in cls[0]. */
static const rule gcp_rules[] = {
    {NULL, 1, M_WORD, "Licensing Fee", K_ZERO, NON, 1, "gcp:licence fee"},
    {NULL, 1, M_WORD, "GPU", K_GPU, CS_BC_GPU, 1, "gcp:GPU"},
    {"Cloud Storage", 1, M_WORD, "Dual-region", K_STORAGE, HDD, 4, "gcp:Cloud Storage dual-region"},
    {"Cloud Storage", 1, M_WORD, "Multi-region", K_STORAGE, HDD, 6, "gcp:Cloud Storage multi-region"},
    {"Cloud Storage", 1, M_WORD, "Storage", K_STORAGE, HDD, 2, "gcp:Cloud Storage regional"},
    {"Cloud Storage", 1, M_WORD, "Download", K_NETWORK, CS_BC_NETWORK, 1, "gcp:Cloud Storage download"},
    {"Cloud Storage", 1, M_WORD, "Egress", K_NETWORK, CS_BC_NETWORK, 1, "gcp:Cloud Storage egress"},
    {NULL, 1, M_WORD, "Regional SSD backed PD Capacity", K_STORAGE, SSD, 2, "gcp:regional SSD PD"},
    {NULL, 1, M_WORD, "Regional Balanced PD Capacity", K_STORAGE, SSD, 2, "gcp:regional balanced PD"},
    {NULL, 1, M_WORD, "Regional Storage PD Capacity", K_STORAGE, HDD, 2, "gcp:regional standard PD"},
    {NULL, 1, M_WORD, "SSD", K_STORAGE, SSD, 1, "gcp:SSD storage"},
    {NULL, 1, M_WORD, "Balanced PD Capacity", K_STORAGE, SSD, 1, "gcp:balanced PD"},
    {NULL, 1, M_WORD, "Extreme PD Capacity", K_STORAGE, SSD, 1, "gcp:extreme PD"},
    {NULL, 1, M_WORD, "Hyperdisk", K_STORAGE, SSD, 1, "gcp:Hyperdisk"},
    {NULL, 1, M_WORD, "PD Capacity", K_STORAGE, HDD, 1, "gcp:standard PD"},
    {NULL, 1, M_WORD, "PD Snapshot", K_STORAGE, HDD, 1, "gcp:PD snapshot"},
    {NULL, 1, M_WORD, "Storage Image", K_STORAGE, HDD, 1, "gcp:image storage"},
    {"Cloud SQL", 1, M_WORD, "Backups", K_STORAGE, HDD, 1, "gcp:Cloud SQL backups"},
    {NULL, 1, M_WORD, "Egress", K_NETWORK, CS_BC_NETWORK, 1, "gcp:egress"},
    {NULL, 1, M_WORD, "egress", K_NETWORK, CS_BC_NETWORK, 1, "gcp:egress"},
    {NULL, 1, M_WORD, "Ingress", K_NETWORK, CS_BC_NETWORK, 1, "gcp:ingress"},
    {NULL, 1, M_WORD, "Download", K_NETWORK, CS_BC_NETWORK, 1, "gcp:download"},
    {NULL, 1, M_WORD, "Core", K_VCPU, CMP, 1, "gcp:vCPU"},
    {NULL, 1, M_WORD, "CORE", K_VCPU, CMP, 1, "gcp:vCPU"},
    {NULL, 1, M_WORD, "vCPU", K_VCPU, CMP, 1, "gcp:vCPU"},
    {NULL, 1, M_WORD, "CPU", K_VCPU, CMP, 1, "gcp:vCPU"},
    {NULL, 1, M_WORD, "Ram", K_MEM, CS_BC_MEMORY, 1, "gcp:memory"},
    {NULL, 1, M_WORD, "RAM", K_MEM, CS_BC_MEMORY, 1, "gcp:memory"},
    {NULL, 1, M_WORD, "Memory", K_MEM, CS_BC_MEMORY, 1, "gcp:memory"},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* Azure meters: name in cls[1], category in cls[0], subcategory in cls[4]. */
static const rule azure_rules[] = {
    {"Virtual Machines Licenses", 1, M_CONTAINS, "", K_ZERO, NON, 1, "azure:licence"},
    {"Virtual Machines", 2, M_CONTAINS, "Hour", K_INSTANCE, CMP, 1, "azure:VM hours"},
    {"Storage", 1, M_WORD, "Disk", K_AZ_DISK, SSD, 3, "azure:managed disk"},
    {"Storage", 1, M_WORD, "Snapshot", K_STORAGE, HDD, 3, "azure:snapshot"},
    {"Storage", 1, M_WORD, "GZRS Data Stored", K_STORAGE, HDD, 6, "azure:GZRS data stored"},
    {"Storage", 1, M_WORD, "GRS Data Stored", K_STORAGE, HDD, 6, "azure:GRS data stored"},
    {"Storage", 1, M_WORD, "ZRS Data Stored", K_STORAGE, HDD, 3, "azure:ZRS data stored"},
    {"Storage", 1, M_WORD, "Data Stored", K_STORAGE, HDD, 3, "azure:LRS data stored"},
    {"Azure Cosmos DB", 1, M_WORD, "Data Stored", K_STORAGE, SSD, 4, "azure:Cosmos DB storage"},
    {"SQL Database", 1, M_WORD, "Data Stored", K_STORAGE, SSD, 3, "azure:SQL Database storage"},
    {"SQL Database", 1, M_WORD, "vCore", K_VCPU, CMP, 1, "azure:SQL vCore"},
    {"Container Instances", 1, M_WORD, "vCPU Duration", K_VCPU, CMP, 1, "azure:ACI vCPU"},
    {"Container Instances", 1, M_WORD, "Memory Duration", K_MEM, CS_BC_MEMORY, 1, "azure:ACI memory"},
    {"Functions", 1, M_WORD, "Execution Time", K_SERVERLESS, CMP, 1, "azure:Functions GB-s"},
    {"Azure App Service", 1, M_WORD, "Execution Time", K_SERVERLESS, CMP, 1, "azure:Functions GB-s"},
    {"Bandwidth", 1, M_WORD, "Data Transfer", K_NETWORK, CS_BC_NETWORK, 1, "azure:data transfer"},
    {"Virtual Network", 1, M_WORD, "Ingress", K_NETWORK, CS_BC_NETWORK, 1, "azure:VNet ingress"},
    {"Virtual Network", 1, M_WORD, "Egress", K_NETWORK, CS_BC_NETWORK, 1, "azure:VNet egress"},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

/* FOCUS without provider columns: charge description (cls[1]) words, the
 * unit deciding the model (see classify_focus). Service name in cls[0]. */
static const rule focus_storage_rules[] = {
    {NULL, 1, M_WORD, "snapshot", K_STORAGE, HDD, 3, "focus:snapshot (object storage)"},
    {NULL, 1, M_WORD, "Snapshot", K_STORAGE, HDD, 3, "focus:snapshot (object storage)"},
    {NULL, 1, M_WORD, "log storage", K_STORAGE, HDD, 1, "focus:log storage"},
    {NULL, 1, M_CONTAINS, "(gp2)", K_STORAGE, SSD, 2, "focus:EBS gp2"},
    {NULL, 1, M_CONTAINS, "(gp3)", K_STORAGE, SSD, 2, "focus:EBS gp3"},
    {NULL, 1, M_WORD, "Provisioned IOPS", K_STORAGE, SSD, 2, "focus:EBS provisioned IOPS"},
    {NULL, 1, M_WORD, "Magnetic", K_STORAGE, HDD, 2, "focus:magnetic volume"},
    {NULL, 1, M_WORD, "HDD", K_STORAGE, HDD, 2, "focus:HDD volume"},
    {NULL, 1, M_WORD, "SSD", K_STORAGE, SSD, 2, "focus:SSD volume"},
    {"Amazon Simple Storage Service", 1, M_CONTAINS, "", K_STORAGE, HDD, 3, "focus:S3"},
    {"Amazon Elastic File System", 1, M_CONTAINS, "", K_STORAGE, SSD, 3, "focus:EFS"},
    {"Amazon DynamoDB", 1, M_CONTAINS, "", K_STORAGE, SSD, 2, "focus:DynamoDB"},
    {"Amazon Relational Database Service", 1, M_CONTAINS, "", K_STORAGE, SSD, 1, "focus:RDS storage"},
    {"Amazon EC2 Container Registry (ECR)", 1, M_CONTAINS, "", K_STORAGE, HDD, 3, "focus:ECR"},
    {"AmazonCloudWatch", 1, M_CONTAINS, "", K_STORAGE, HDD, 1, "focus:CloudWatch storage"},
    {"Amazon Elastic Compute Cloud", 1, M_CONTAINS, "", K_STORAGE, SSD, 2, "focus:EBS volume"},
    {"Storage Accounts", 1, M_CONTAINS, "", K_STORAGE, HDD, 3, "focus:Azure storage account"},
    {"Azure DB for MySQL", 1, M_WORD, "Data Stored", K_STORAGE, SSD, 3, "focus:Azure Database for MySQL storage"},
    {"Azure DB for PostgreSQL", 1, M_WORD, "Data Stored", K_STORAGE, SSD, 3,
     "focus:Azure Database for PostgreSQL storage"},
    {"SQL Database", 1, M_WORD, "Data Stored", K_STORAGE, SSD, 3, "focus:Azure SQL Database storage"},
    {NULL, 1, M_WORD, "Data Stored", K_STORAGE, HDD, 3, "focus:data stored"},
    {NULL, 0, 0, NULL, 0, 0, 0, NULL},
};

#undef SSD
#undef HDD
#undef CMP
#undef NON

/* ---- units --------------------------------------------------------------- */

enum unit {
	U_UNKNOWN,
	U_HOURS,
	U_SECONDS,
	U_VCPU_HOURS,
	U_GB_MONTHS,
	U_GB_HOURS,
	U_GB,
	U_BYTES,
	U_GB_SECONDS,
	U_BYTE_SECONDS,
	U_COUNT_MONTH
};

/* Every spelling seen in CUR, FOCUS, GCP and Azure exports, with the
 * multiplier to the base unit ("10 Hours" = 10 hours). */
static const struct {
	const char *text;
	unsigned char u;
	double mult;
} units[] = {
    {"Hrs", U_HOURS, 1},
    {"Hours", U_HOURS, 1},
    {"Hour", U_HOURS, 1},
    {"h", U_HOURS, 1},
    {"1 Hour", U_HOURS, 1},
    {"10 Hours", U_HOURS, 10},
    {"100 Hours", U_HOURS, 100},
    {"1000 Hours", U_HOURS, 1000},
    {"Units/Hour", U_HOURS, 1},
    {"hour", U_HOURS, 1},
    {"vCPU-Hours", U_VCPU_HOURS, 1},
    {"vCPU-Hour", U_VCPU_HOURS, 1},
    {"vCPU Hours", U_VCPU_HOURS, 1},
    {"seconds", U_SECONDS, 1},
    {"second", U_SECONDS, 1},
    {"s", U_SECONDS, 1},
    {"1 Second", U_SECONDS, 1},
    {"GB-Mo", U_GB_MONTHS, 1},
    {"GB-Month", U_GB_MONTHS, 1},
    {"GB-Months", U_GB_MONTHS, 1},
    {"GB-Mp", U_GB_MONTHS, 1},
    {"GB Months", U_GB_MONTHS, 1},
    {"GB/Month", U_GB_MONTHS, 1},
    {"1 GB/Month", U_GB_MONTHS, 1},
    {"10 GB/Month", U_GB_MONTHS, 10},
    {"100 GB/Month", U_GB_MONTHS, 100},
    {"1 TB/Month", U_GB_MONTHS, 1000},
    {"TB-Mo", U_GB_MONTHS, 1000},
    {"GiB-Mo", U_GB_MONTHS, 1.073741824},
    {"gibibyte month", U_GB_MONTHS, 1.073741824},
    {"GB-Hours", U_GB_HOURS, 1},
    {"GB-Hrs", U_GB_HOURS, 1},
    {"GB Hours", U_GB_HOURS, 1},
    {"1000 GB Hours", U_GB_HOURS, 1000},
    {"gibibyte hour", U_GB_HOURS, 1.073741824},
    {"GiB-Hours", U_GB_HOURS, 1.073741824},
    {"GB", U_GB, 1},
    {"GigaBytes", U_GB, 1},
    {"1 GB", U_GB, 1},
    {"10 GB", U_GB, 10},
    {"100 GB", U_GB, 100},
    {"200 GB", U_GB, 200},
    {"1000 GB", U_GB, 1000},
    {"1 TB", U_GB, 1000},
    {"Terabytes", U_GB, 1000},
    {"gibibyte", U_GB, 1.073741824},
    {"GiB", U_GB, 1.073741824},
    {"bytes", U_BYTES, 1e-9},
    {"byte", U_BYTES, 1e-9},
    {"Lambda-GB-Second", U_GB_SECONDS, 1},
    {"Lambda-GB-Seconds", U_GB_SECONDS, 1},
    {"GB-Seconds", U_GB_SECONDS, 1},
    {"GB-Second", U_GB_SECONDS, 1},
    {"GB Second", U_GB_SECONDS, 1},
    {"GB Seconds", U_GB_SECONDS, 1},
    {"50000 GB Seconds", U_GB_SECONDS, 50000},
    {"gibibyte second", U_GB_SECONDS, 1.073741824},
    {"byte-seconds", U_BYTE_SECONDS, 1},
    {"1/Month", U_COUNT_MONTH, 1},
    {"1 /Month", U_COUNT_MONTH, 1},
    {"Units/Month", U_COUNT_MONTH, 1},
};

static bool sv_ieq(cs_sv s, const char *t)
{
	size_t n = strlen(t);

	if (s.n != n)
		return false;
	for (size_t i = 0; i < n; i++) {
		char a = s.p[i], b = t[i];
		if (a >= 'A' && a <= 'Z')
			a = (char)(a - 'A' + 'a');
		if (b >= 'A' && b <= 'Z')
			b = (char)(b - 'A' + 'a');
		if (a != b)
			return false;
	}
	return true;
}

static enum unit unit_of(cs_sv s, double *mult)
{
	for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
		if (sv_ieq(s, units[i].text)) {
			*mult = units[i].mult;
			return (enum unit)units[i].u;
		}
	}
	*mult = 1;
	return U_UNKNOWN;
}

/* ---- matching ------------------------------------------------------------ */

static bool is_alnum(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static const char *sv_find(cs_sv s, const char *t, size_t tl, bool word)
{
	if (tl == 0)
		return s.p;
	for (size_t i = 0; i + tl <= s.n; i++) {
		if (s.p[i] != t[0] || memcmp(s.p + i, t, tl))
			continue;
		if (word && ((i > 0 && is_alnum(s.p[i - 1])) || (i + tl < s.n && is_alnum(s.p[i + tl]))))
			continue;
		return s.p + i;
	}
	return NULL;
}

static bool rule_matches(const rule *r, const cs_bill_line *l, const char **at)
{
	cs_sv s = l->cls[r->field];
	size_t tl = strlen(r->text);

	if (r->service && !sv_ieq(l->cls[0], r->service))
		return false;
	switch (r->match) {
	case M_EQ: *at = s.p; return s.n == tl && !memcmp(s.p, r->text, tl);
	case M_PREFIX: *at = s.p; return s.n >= tl && !memcmp(s.p, r->text, tl);
	case M_SUFFIX: *at = s.p + s.n - tl; return s.n >= tl && !memcmp(s.p + s.n - tl, r->text, tl);
	case M_WORD: return (*at = sv_find(s, r->text, tl, true)) != NULL;
	default: return (*at = sv_find(s, r->text, tl, false)) != NULL;
	}
}

static const rule *first_match(const rule *t, const cs_bill_line *l, const char **at)
{
	for (; t->text; t++)
		if (rule_matches(t, l, at))
			return t;
	return NULL;
}

/* ---- instance names ------------------------------------------------------ */

static const cs_instance *find_inst(cs_provider p, const char *s, size_t n)
{
	char name[96]; /* longer than any type name in the tables */

	if (n == 0 || n >= sizeof name)
		return NULL;
	memcpy(name, s, n);
	name[n] = '\0';
	return cs_instance_find(p, name);
}

/* "db.r5.large", "cache.m5.large", "m5.large.search" -> "r5.large"... */
static const cs_instance *find_aws_inst(const char *s, size_t n)
{
	const cs_instance *it = find_inst(CS_PROVIDER_AWS, s, n);
	static const char *const pre[] = {"db.", "cache."};
	static const char *const suf[] = {".search", ".elasticsearch"};

	if (it)
		return it;
	for (size_t i = 0; i < 2; i++) {
		size_t pl = strlen(pre[i]);
		if (n > pl && !memcmp(s, pre[i], pl))
			return find_inst(CS_PROVIDER_AWS, s + pl, n - pl);
	}
	for (size_t i = 0; i < 2; i++) {
		size_t sl = strlen(suf[i]);
		if (n > sl && !memcmp(s + n - sl, suf[i], sl))
			return find_inst(CS_PROVIDER_AWS, s, n - sl);
	}
	return NULL;
}

/* The instance a usage type names after its colon ("USE1-BoxUsage:m5.large");
 * a bare "BoxUsage" is the original m1.small. */
static const cs_instance *aws_inst_after(const cs_bill_line *l, const char *at, cs_sv *name)
{
	cs_sv ut = l->cls[1];
	const char *end = ut.p + ut.n, *c = memchr(at, ':', (size_t)(end - at));

	if (l->cls[3].n) {
		*name = l->cls[3];
		const cs_instance *it = find_aws_inst(l->cls[3].p, l->cls[3].n);
		if (it)
			return it;
	}
	if (!c) {
		*name = (cs_sv){"m1.small", 8};
		return strstr(at, "BoxUsage") == at && at + 8 == end ? find_inst(CS_PROVIDER_AWS, "m1.small", 8) : NULL;
	}
	*name = (cs_sv){c + 1, (uint32_t)(end - c - 1)};
	return find_aws_inst(c + 1, (size_t)(end - c - 1));
}

/* Azure VM size from AdditionalInfo's ServiceType, else the meter name
 * ("D2 v3/D2s v3" -> "D2 v3"; " Spot", " Low Priority" dropped). */
static const cs_instance *azure_inst(const cs_bill_line *l, cs_sv *name)
{
	const cs_instance *it;
	cs_sv m = l->cls[1];
	const char *slash;
	static const char *const drop[] = {" Spot", " Low Priority", " Dedicated"};

	if (l->cls[3].n && (it = find_inst(CS_PROVIDER_AZURE, l->cls[3].p, l->cls[3].n))) {
		*name = l->cls[3];
		return it;
	}
	if ((slash = memchr(m.p, '/', m.n)))
		m.n = (uint32_t)(slash - m.p);
	for (size_t i = 0; i < 3; i++) {
		size_t dl = strlen(drop[i]);
		if (m.n > dl && !memcmp(m.p + m.n - dl, drop[i], dl))
			m.n -= (uint32_t)dl;
	}
	*name = m;
	return find_inst(CS_PROVIDER_AZURE, m.p, m.n);
}

/* An instance type named by a word of a description ("$0.096 per On
 * Demand Linux m5.large Instance Hour"). */
static const cs_instance *inst_in_words(cs_provider p, cs_sv s, cs_sv *name)
{
	const char *q = s.p, *end = s.p + s.n;

	if (p == CS_PROVIDER_UNKNOWN)
		return NULL;
	while (q < end) {
		while (q < end && (*q == ' ' || *q == ','))
			q++;
		const char *w = q;
		while (q < end && *q != ' ' && *q != ',')
			q++;
		/* instance names have a dot (AWS), a dash (GCP) or an underscore (Azure) */
		if (q - w >= 4 && (memchr(w, '.', (size_t)(q - w)) || memchr(w, '-', (size_t)(q - w)) ||
		                   memchr(w, '_', (size_t)(q - w)))) {
			const cs_instance *it = find_inst(p, w, (size_t)(q - w));
			if (it) {
				*name = (cs_sv){w, (uint32_t)(q - w)};
				return it;
			}
		}
	}
	return NULL;
}

/* ---- models -------------------------------------------------------------- */

static double pue_of(const cs_bill_model *m, cs_provider p)
{
	return m->pue > 0 ? m->pue : (p == CS_PROVIDER_UNKNOWN ? 1.0 : cs_pue_default(p));
}

/* The min and max W per vCPU of the machine, else the provider's average. */
static void vcpu_minmax(cs_provider p, const cs_instance *it, double *mn, double *mx)
{
	/* no accessor for the CCF min/max of a type: read from its row (data/tables.h) */
	if (it && it->min_w_per_vcpu > 0 && it->max_w_per_vcpu > 0) {
		*mn = it->min_w_per_vcpu;
		*mx = it->max_w_per_vcpu;
	} else {
		cs_bill_vcpu_watts(p, mn, mx);
	}
}

static double vcpu_w(const cs_bill_model *m, cs_provider p, const cs_instance *it)
{
	double mn, mx;

	vcpu_minmax(p, it, &mn, &mx);
	return mn + (mx - mn) * m->cpu_util;
}

double cs_bill_kwh_per_qty_at(const cs_bill_usage *u, double util)
{
	cs_util ut = {util, -1, -1};
	cs_power pw;

	switch (u->util_model) {
	case CS_BILL_UTIL_INSTANCE:
		if (!u->inst || cs_instance_power(u->inst, &ut, &pw))
			return u->kwh_per_qty;
		return pw.total_w / 1000.0 * u->util_scale;
	case CS_BILL_UTIL_VCPU:
		return (u->util_min_w + (u->util_max_w - u->util_min_w) * util) / 1000.0 * u->util_scale;
	default: return u->kwh_per_qty;
	}
}

static double emb_per_vcpu_h(const cs_bill_model *m, cs_provider p, const cs_instance *it)
{
	if (it && cs_instance_embodied_g_per_h(it) >= 0 && cs_instance_vcpu(it))
		return cs_instance_embodied_g_per_h(it) / cs_instance_vcpu(it);
	return (unsigned)p < CS_PROVIDER_COUNT ? m->emb_g_per_vcpu_h[p] : 0;
}

/* Marks u unclassified; note is "text" with what's %s replaced by a. */
static void unknown(cs_bill_usage *u, const char *label, const char *what, cs_sv a)
{
	const char *at = strstr(what, "%.*s");
	int n = a.n > 60 ? 60 : (int)a.n;

	u->cls = CS_BC_UNKNOWN;
	u->kwh_per_qty = 0;
	u->emb_g_per_qty = 0;
	u->rule = label;
	if (at)
		snprintf(u->note, sizeof u->note, "%.*s%.*s%s", (int)(at - what), what, n, a.p, at + 4);
	else
		snprintf(u->note, sizeof u->note, "%s", what);
}

/* Hours per unit of quantity for time-based models; 0 if the unit is not time. */
static double hours_of(enum unit un, double mult)
{
	switch (un) {
	case U_HOURS:
	case U_VCPU_HOURS: return mult;
	case U_SECONDS: return mult / 3600.0;
	default: return 0;
	}
}

/* GB-months per unit of quantity for storage; 0 if not a storage unit. */
static double gb_months_of(enum unit un, double mult)
{
	switch (un) {
	case U_GB_MONTHS: return mult;
	case U_GB_HOURS: return mult / CS_BILL_HOURS_PER_MONTH;
	/* GCP byte-seconds: 1e-9 GB for 1/(730 x 3600) of a month */
	case U_BYTE_SECONDS: return 1e-9 / (CS_BILL_HOURS_PER_MONTH * 3600.0);
	default: return 0;
	}
}

/* Applies rule r's model to line l. */
static void apply(const cs_bill_model *m, const cs_bill_line *l, const rule *r, const cs_instance *it, cs_sv iname,
                  cs_bill_usage *u)
{
	double mult, h, pue = pue_of(m, l->prov);
	enum unit un = unit_of(l->unit, &mult);

	u->rule = r->label;
	switch (r->kind) {
	case K_ZERO: u->cls = (cs_bill_class)r->cls; return;
	case K_INSTANCE: {
		cs_power pw;
		cs_util ut = {m->cpu_util, -1, -1};

		if (!it) {
			unknown(u, r->label, "instance type '%.*s' is not in carbonstat's tables", iname);
			return;
		}
		h = hours_of(un, mult);
		if (h <= 0 || un == U_VCPU_HOURS) {
			unknown(u, r->label, "instance usage in unit '%.*s', not hours", l->unit);
			return;
		}
		if (cs_instance_power(it, &ut, &pw)) {
			unknown(u, r->label, "instance type '%.*s' has no power model", iname);
			return;
		}
		u->inst = it;
		u->cls = cs_instance_gpus(it) > 0 ? CS_BC_GPU : CS_BC_COMPUTE;
		u->hours_per_qty = h * r->factor;
		u->kwh_per_qty = pw.total_w / 1000.0 * pue * h * r->factor;
		u->util_model = CS_BILL_UTIL_INSTANCE;
		u->util_scale = pue * h * r->factor;
		u->util_hours = h * r->factor;
		u->emb_g_per_qty =
		    cs_instance_embodied_g_per_h(it) > 0 ? cs_instance_embodied_g_per_h(it) * h * r->factor : 0;
		return;
	}
	case K_VCPU:
		h = hours_of(un, mult);
		if (h <= 0) {
			unknown(u, r->label, "vCPU usage in unit '%.*s', not hours or seconds", l->unit);
			return;
		}
		u->cls = CS_BC_COMPUTE;
		u->inst = it;
		u->kwh_per_qty = vcpu_w(m, l->prov, it) / 1000.0 * pue * h;
		u->util_model = CS_BILL_UTIL_VCPU;
		u->util_scale = pue * h;
		u->util_hours = h;
		vcpu_minmax(l->prov, it, &u->util_min_w, &u->util_max_w);
		u->emb_g_per_qty = emb_per_vcpu_h(m, l->prov, it) * h;
		return;
	case K_MEM:
		/* GB-hours; Fargate writes them as "hours", GCP as byte-seconds */
		h = un == U_GB_HOURS       ? mult
		    : un == U_BYTE_SECONDS ? 1e-9 / 3600.0
		    : un == U_GB_SECONDS   ? mult / 3600.0
		                           : hours_of(un, mult);
		if (h <= 0) {
			unknown(u, r->label, "memory usage in unit '%.*s'", l->unit);
			return;
		}
		u->cls = CS_BC_MEMORY;
		u->kwh_per_qty = CS_MEM_W_PER_GB / 1000.0 * pue * h;
		return;
	case K_SERVERLESS: {
		double gbs = un == U_GB_SECONDS || un == U_SECONDS ? mult : un == U_GB_HOURS ? mult * 3600.0 : 0;
		double w;

		if (gbs <= 0) {
			unknown(u, r->label, "function usage in unit '%.*s', not GB-seconds", l->unit);
			return;
		}
		w = vcpu_w(m, l->prov, NULL) / CS_BILL_LAMBDA_GB_PER_VCPU + CS_MEM_W_PER_GB;
		u->cls = CS_BC_COMPUTE;
		u->kwh_per_qty = w / 1000.0 / 3600.0 * pue * gbs;
		u->util_model = CS_BILL_UTIL_SERVERLESS;
		u->emb_g_per_qty = emb_per_vcpu_h(m, l->prov, NULL) / CS_BILL_LAMBDA_GB_PER_VCPU / 3600.0 * gbs;
		return;
	}
	case K_GPU: {
		const cs_gpu *g = cs_bill_gpu_in_text(l->cls[1].p, l->cls[1].n);

		h = hours_of(un, mult);
		if (!g) {
			unknown(u, r->label, "GPU model not in the GPU table: '%.*s'", l->cls[1]);
			return;
		}
		if (h <= 0) {
			unknown(u, r->label, "GPU usage in unit '%.*s'", l->unit);
			return;
		}
		u->cls = CS_BC_GPU;
		u->kwh_per_qty =
		    (cs_gpu_min_w(g) + (cs_gpu_max_w(g) - cs_gpu_min_w(g)) * m->cpu_util) / 1000.0 * pue * h;
		return;
	}
	case K_AZ_DISK: {
		/* "P10 LRS Disk": tier then redundancy; quantity in disk-months */
		cs_sv n = l->cls[1];
		size_t k = 0;
		int ssd = 0;
		double gb;

		while (k < n.n && n.p[k] != ' ')
			k++;
		gb = cs_bill_azure_disk_gb(n.p, k, &ssd);
		if (gb <= 0 || un != U_COUNT_MONTH) {
			unknown(u, r->label, "managed disk meter '%.*s' without a known tier and unit 1/Month", n);
			return;
		}
		u->cls = ssd ? CS_BC_STORAGE_SSD : CS_BC_STORAGE_HDD;
		u->kwh_per_qty = gb * mult * CS_BILL_HOURS_PER_MONTH / 1000.0 *
		                 (ssd ? CS_BILL_SSD_WH_PER_TBH : CS_BILL_HDD_WH_PER_TBH) / 1000.0 * r->factor * pue;
		return;
	}
	case K_STORAGE: {
		double gbm = gb_months_of(un, mult);

		if (un == U_HOURS && l->prov == CS_PROVIDER_AWS)
			gbm = mult / CS_BILL_HOURS_PER_MONTH; /* Fargate ephemeral GB-hours written as "hours" */
		if (gbm <= 0) {
			unknown(u, r->label, "storage usage in unit '%.*s', not GB-months", l->unit);
			return;
		}
		u->cls = (cs_bill_class)r->cls;
		u->kwh_per_qty = gbm * CS_BILL_HOURS_PER_MONTH / 1000.0 *
		                 (r->cls == CS_BC_STORAGE_SSD ? CS_BILL_SSD_WH_PER_TBH : CS_BILL_HDD_WH_PER_TBH) /
		                 1000.0 * r->factor * pue;
		return;
	}
	case K_NETWORK: {
		double gb = un == U_GB || un == U_BYTES ? mult : 0;

		if (gb <= 0) {
			unknown(u, r->label, "data transfer in unit '%.*s', not GB", l->unit);
			return;
		}
		u->cls = CS_BC_NETWORK;
		u->kwh_per_qty = gb * CS_BILL_NET_KWH_PER_GB * pue;
		return;
	}
	default: unknown(u, r->label, "%.*s: no energy model for this usage", l->usage); return;
	}
}

static void classify_focus(const cs_bill_model *m, const cs_bill_line *l, cs_bill_usage *u)
{
	static const rule inst = {NULL, 1, M_CONTAINS, "", K_INSTANCE, CS_BC_COMPUTE, 1, "focus:instance hours"};
	static const rule vcpu = {NULL, 1, M_CONTAINS, "", K_VCPU, CS_BC_COMPUTE, 1, "focus:vCPU hours"};
	static const rule mem = {NULL, 1, M_CONTAINS, "", K_MEM, CS_BC_MEMORY, 1, "focus:memory GB-hours"};
	static const rule fn = {NULL, 1, M_CONTAINS, "", K_SERVERLESS, CS_BC_COMPUTE, 1, "focus:function GB-seconds"};
	static const rule net = {NULL, 1, M_CONTAINS, "", K_NETWORK, CS_BC_NETWORK, 1, "focus:data transfer"};
	double mult;
	enum unit un = unit_of(l->unit, &mult);
	const char *at;
	cs_sv name = {"", 0};
	cs_sv d = l->cls[1];

	if (l->prov == CS_PROVIDER_UNKNOWN) {
		unknown(u, "focus:provider", "provider '%.*s' has no energy model in carbonstat", l->provider);
		return;
	}
	switch (un) {
	case U_HOURS: {
		const cs_instance *it = inst_in_words(l->prov, d, &name);
		if (it) {
			apply(m, l, &inst, it, name, u);
			return;
		}
		if (sv_find(d, "vCPU", 4, true)) {
			apply(m, l, &vcpu, NULL, name, u);
			return;
		}
		if (sv_find(d, "Memory", 6, true)) {
			apply(m, l, &mem, NULL, name, u);
			return;
		}
		break;
	}
	case U_COUNT_MONTH: {
		/* Azure "Premium SSD Managed Disks - P4 LRS - US East": the tier word */
		static const rule disk = {
		    NULL, 1, M_CONTAINS, "", K_AZ_DISK, CS_BC_STORAGE_SSD, 3, "focus:Azure managed disk"};
		const char *w = sv_find(d, "Managed Disks - ", 16, false);
		if (w) {
			cs_bill_line dl = *l;
			const char *end = d.p + d.n;
			dl.cls[1] = (cs_sv){w + 16, (uint32_t)(end - (w + 16))};
			apply(m, &dl, &disk, NULL, name, u);
			return;
		}
		break;
	}
	case U_VCPU_HOURS: apply(m, l, &vcpu, NULL, name, u); return;
	case U_GB_HOURS: apply(m, l, &mem, NULL, name, u); return;
	case U_GB_SECONDS: apply(m, l, &fn, NULL, name, u); return;
	case U_GB_MONTHS: {
		const rule *r = first_match(focus_storage_rules, l, &at);
		if (r) {
			apply(m, l, r, NULL, name, u);
			return;
		}
		break;
	}
	case U_GB:
	case U_BYTES:
		if (sv_find(d, "data transfer", 13, true) || sv_find(d, "Data Transfer", 13, true) ||
		    sv_find(d, "egress", 6, true) || sv_find(d, "Egress", 6, true)) {
			apply(m, l, &net, NULL, name, u);
			return;
		}
		break;
	default: break;
	}
	unknown(u, "focus:none", "no rule for '%.*s'", d.n ? d : l->unit);
}

void cs_bill_classify(const cs_bill_model *m, const cs_bill_line *l, cs_bill_usage *u)
{
	const rule *r = NULL;
	const char *at = NULL;
	const cs_instance *it = NULL;
	cs_sv name = {"", 0};

	memset(u, 0, sizeof *u);
	if (l->nonusage) {
		u->cls = CS_BC_NONUSAGE;
		u->rule = "charge type";
		return;
	}
	switch (l->scheme) {
	case CS_SCHEME_AWS:
		r = first_match(aws_rules, l, &at);
		if (r && r->kind == K_INSTANCE)
			it = aws_inst_after(l, at, &name);
		break;
	case CS_SCHEME_GCP:
		r = first_match(gcp_rules, l, &at);
		/* the machine type from the system labels gives per-vCPU watts */
		if (r && l->cls[3].n)
			it = find_inst(CS_PROVIDER_GCP, l->cls[3].p, l->cls[3].n);
		break;
	case CS_SCHEME_AZURE:
		r = first_match(azure_rules, l, &at);
		if (r && r->kind == K_INSTANCE)
			it = azure_inst(l, &name);
		break;
	case CS_SCHEME_FOCUS: classify_focus(m, l, u); return;
	}
	if (!r) {
		unknown(u, "none", "no rule for usage '%.*s'", l->cls[1]);
		return;
	}
	apply(m, l, r, it, name, u);
}

static const char *const class_names[CS_BC_COUNT] = {"compute",     "gpu",     "memory",  "storage_ssd",
                                                     "storage_hdd", "network", "unknown", "nonusage"};

const char *cs_bill_class_name(cs_bill_class c)
{
	return (unsigned)c < CS_BC_COUNT ? class_names[c] : "?";
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

void cs_bill_model_init(cs_bill_model *m)
{
	size_t n = cs_instance_count();
	double *v = malloc((n ? n : 1) * sizeof *v);

	memset(m, 0, sizeof *m);
	m->cpu_util = 0.5;
	for (int p = 1; p < CS_PROVIDER_COUNT; p++) {
		size_t k = 0;

		for (size_t i = 0; v && i < n; i++) {
			const cs_instance *t = cs_instance_at(i);
			if ((int)cs_instance_provider(t) == p && cs_instance_embodied_g_per_h(t) > 0 &&
			    cs_instance_vcpu(t))
				v[k++] = cs_instance_embodied_g_per_h(t) / cs_instance_vcpu(t);
		}
		if (k) {
			qsort(v, k, sizeof *v, cmp_double);
			m->emb_g_per_vcpu_h[p] = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
		}
	}
	free(v);
}
