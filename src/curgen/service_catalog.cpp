#include "curgen/service_catalog.h"

#include <array>

namespace billpipe::curgen {
namespace {

using F = ProductField;
constexpr int64_t kUnit = 10'000'000'000;  // 1.0 in 1e-10 units

constexpr std::array<Region, 3> kRegions = {{
    {"us-east-1", "", "US East (N. Virginia)", "abcdf"},
    {"us-west-2", "USW2-", "US West (Oregon)", "abc"},
    {"eu-west-1", "EU-", "EU (Ireland)", "abc"},
}};

constexpr std::array kEc2M5Large = {
    F{"ProductName", "Amazon Elastic Compute Cloud"}, F{"capacitystatus", "Used"},
    F{"clockSpeed", "3.1 GHz"}, F{"currentGeneration", "Yes"},
    F{"dedicatedEbsThroughput", "Up to 2120 Mbps"}, F{"ecu", "10"},
    F{"enhancedNetworkingSupported", "Yes"}, F{"instanceFamily", "General purpose"},
    F{"instanceType", "m5.large"}, F{"intelAvx2Available", "Yes"}, F{"intelAvxAvailable", "Yes"},
    F{"intelTurboAvailable", "Yes"}, F{"licenseModel", "No License required"},
    F{"location", "{location}"}, F{"locationType", "AWS Region"}, F{"memory", "8 GiB"},
    F{"networkPerformance", "Up to 10 Gigabit"}, F{"normalizationSizeFactor", "4"},
    F{"operatingSystem", "Linux"}, F{"operation", "RunInstances"},
    F{"physicalProcessor", "Intel Xeon Platinum 8175"}, F{"preInstalledSw", "NA"},
    F{"processorArchitecture", "64-bit"},
    F{"processorFeatures", "Intel AVX, Intel AVX2, Intel AVX512, Intel Turbo"},
    F{"productFamily", "Compute Instance"}, F{"region", "{region}"}, F{"servicecode", "AmazonEC2"},
    F{"servicename", "Amazon Elastic Compute Cloud"}, F{"sku", "2S47E3PRB8XVH9QV"}, F{"storage", "EBS only"},
    F{"tenancy", "Shared"}, F{"usagetype", "{usagetype}"}, F{"vcpu", "2"},
};
constexpr std::array kEc2C5Xlarge = {
    F{"ProductName", "Amazon Elastic Compute Cloud"}, F{"capacitystatus", "Used"},
    F{"clockSpeed", "3.4 GHz"}, F{"currentGeneration", "Yes"},
    F{"dedicatedEbsThroughput", "Up to 2250 Mbps"}, F{"ecu", "20"},
    F{"enhancedNetworkingSupported", "Yes"}, F{"instanceFamily", "Compute optimized"},
    F{"instanceType", "c5.xlarge"}, F{"licenseModel", "License Included"},
    F{"location", "{location}"}, F{"locationType", "AWS Region"}, F{"memory", "8 GiB"},
    F{"networkPerformance", "Up to 10 Gigabit"}, F{"normalizationSizeFactor", "8"},
    F{"operatingSystem", "Windows"}, F{"operation", "RunInstances:0002"},
    F{"physicalProcessor", "Intel Xeon Platinum 8124M"}, F{"preInstalledSw", "NA"},
    F{"processorArchitecture", "64-bit"}, F{"productFamily", "Compute Instance"}, F{"region", "{region}"},
    F{"servicecode", "AmazonEC2"}, F{"servicename", "Amazon Elastic Compute Cloud"},
    F{"sku", "XN4ZEDGYK3WQ7D7N"}, F{"storage", "EBS only"}, F{"tenancy", "Shared"},
    F{"usagetype", "{usagetype}"}, F{"vcpu", "4"},
};
constexpr std::array kEbsGp2 = {
    F{"ProductName", "Amazon Elastic Compute Cloud"}, F{"location", "{location}"},
    F{"locationType", "AWS Region"}, F{"maxIopsBurstPerformance", "3000 for volumes <= 1 TiB"},
    F{"maxIopsvolume", "16000"}, F{"maxThroughputvolume", "250 MiB/s"}, F{"maxVolumeSize", "16 TiB"},
    F{"operation", "CreateVolume-Gp2"}, F{"productFamily", "Storage"}, F{"region", "{region}"},
    F{"servicecode", "AmazonEC2"}, F{"servicename", "Amazon Elastic Compute Cloud"},
    F{"sku", "HY3BZPP2B6K8MSJF"}, F{"storageMedia", "SSD-backed"}, F{"usagetype", "{usagetype}"},
    F{"volumeApiName", "gp2"}, F{"volumeType", "General Purpose"},
};
constexpr std::array kEc2DataOut = {
    F{"ProductName", "Amazon Elastic Compute Cloud"}, F{"fromLocation", "{location}"},
    F{"fromLocationType", "AWS Region"}, F{"operation", "RunInstances"}, F{"productFamily", "Data Transfer"},
    F{"servicecode", "AWSDataTransfer"}, F{"servicename", "AWS Data Transfer"}, F{"sku", "N9EW5UVVPA2TQ7QB"},
    F{"toLocation", "External"}, F{"toLocationType", "Other"}, F{"transferType", "AWS Outbound"},
    F{"usagetype", "{usagetype}"},
};
constexpr std::array kNatGateway = {
    F{"ProductName", "Amazon Elastic Compute Cloud"}, F{"group", "NGW:NatGateway"},
    F{"groupDescription", "Hourly charge for NAT Gateways"}, F{"location", "{location}"},
    F{"locationType", "AWS Region"}, F{"operation", "NatGateway"}, F{"productFamily", "NAT Gateway"},
    F{"region", "{region}"}, F{"servicecode", "AmazonEC2"}, F{"servicename", "Amazon Elastic Compute Cloud"},
    F{"sku", "M2YSHUBETB3JX4M4"}, F{"usagetype", "{usagetype}"},
};
constexpr std::array kS3Storage = {
    F{"ProductName", "Amazon Simple Storage Service"}, F{"availability", "99.99%"},
    F{"durability", "99.999999999%"}, F{"location", "{location}"}, F{"locationType", "AWS Region"},
    F{"operation", ""}, F{"productFamily", "Storage"}, F{"region", "{region}"},
    F{"servicecode", "AmazonS3"}, F{"servicename", "Amazon Simple Storage Service"},
    F{"sku", "WP9ANXZGBYYSGJEA"}, F{"storageClass", "General Purpose"}, F{"usagetype", "{usagetype}"},
    F{"volumeType", "Standard"},
};
constexpr std::array kS3Requests = {
    F{"ProductName", "Amazon Simple Storage Service"}, F{"group", "S3-API-Tier1"},
    F{"groupDescription", "PUT/COPY/POST or LIST requests"}, F{"location", "{location}"},
    F{"locationType", "AWS Region"}, F{"operation", ""}, F{"productFamily", "API Request"},
    F{"region", "{region}"}, F{"servicecode", "AmazonS3"}, F{"servicename", "Amazon Simple Storage Service"},
    F{"sku", "QCFUYZ3DEK8UVAUE"}, F{"usagetype", "{usagetype}"},
};
constexpr std::array kRdsPostgres = {
    F{"ProductName", "Amazon Relational Database Service"}, F{"currentGeneration", "Yes"},
    F{"databaseEngine", "PostgreSQL"}, F{"deploymentOption", "Multi-AZ"},
    F{"engineCode", "14"}, F{"instanceFamily", "Memory optimized"}, F{"instanceType", "db.r5.large"},
    F{"licenseModel", "No license required"}, F{"location", "{location}"}, F{"locationType", "AWS Region"},
    F{"memory", "16 GiB"}, F{"networkPerformance", "Up to 10 Gbps"}, F{"normalizationSizeFactor", "4"},
    F{"operation", "CreateDBInstance:0014"}, F{"physicalProcessor", "Intel Xeon Platinum 8175"},
    F{"processorArchitecture", "64-bit"}, F{"productFamily", "Database Instance"}, F{"region", "{region}"},
    F{"servicecode", "AmazonRDS"}, F{"servicename", "Amazon Relational Database Service"},
    F{"sku", "VZ7V29X35F98VENC"}, F{"storage", "EBS Only"}, F{"usagetype", "{usagetype}"}, F{"vcpu", "2"},
};
constexpr std::array kLambda = {
    F{"ProductName", "AWS Lambda"}, F{"group", "AWS-Lambda-Duration"},
    F{"groupDescription", "Invocation call duration per GB of memory used"}, F{"location", "{location}"},
    F{"locationType", "AWS Region"}, F{"operation", "Invoke"}, F{"productFamily", "Serverless"},
    F{"region", "{region}"}, F{"servicecode", "AWSLambda"}, F{"servicename", "AWS Lambda"},
    F{"sku", "TG3M4CAGBA3NYQBH"}, F{"usagetype", "{usagetype}"},
};
constexpr std::array kDynamo = {
    F{"ProductName", "Amazon DynamoDB"}, F{"group", "DDB-ReadUnits"},
    F{"groupDescription", "DynamoDB PayPerRequest Read Request Units"}, F{"location", "{location}"},
    F{"locationType", "AWS Region"}, F{"operation", "PayPerRequestThroughput"},
    F{"productFamily", "Amazon DynamoDB PayPerRequest Throughput"}, F{"region", "{region}"},
    F{"servicecode", "AmazonDynamoDB"}, F{"servicename", "Amazon DynamoDB"}, F{"sku", "CFTCRMDJWC4GZQDV"},
    F{"usagetype", "{usagetype}"},
};
constexpr std::array kCloudWatch = {
    F{"ProductName", "AmazonCloudWatch"}, F{"group", "Metric"},
    F{"groupDescription", "Metric usage, including \"custom\" and detailed monitoring metrics"},
    F{"location", "{location}"}, F{"locationType", "AWS Region"}, F{"operation", "MetricStorage"},
    F{"productFamily", "Metric"}, F{"region", "{region}"}, F{"servicecode", "AmazonCloudWatch"},
    F{"servicename", "Amazon CloudWatch"}, F{"sku", "8WQPPXGVSZ9ZX2RF"}, F{"usagetype", "{usagetype}"},
};
constexpr std::array kCloudFront = {
    F{"ProductName", "Amazon CloudFront"}, F{"fromLocation", "United States"},
    F{"fromLocationType", "Other"}, F{"operation", "GET"}, F{"productFamily", "Data Transfer"},
    F{"servicecode", "AmazonCloudFront"}, F{"servicename", "Amazon CloudFront"}, F{"sku", "4KUE6ZNHAVZ57PHQ"},
    F{"toLocation", "External"}, F{"toLocationType", "Other"}, F{"transferType", "CloudFront Outbound"},
    F{"usagetype", "{usagetype}"},
};

constexpr std::array<UsageKind, 12> kUsageKinds = {{
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:m5.large", "RunInstances", "Hrs",
     "${rate} per On Demand Linux m5.large Instance Hour", 960'000'000, kUnit, kUnit, true,
     ResourceKind::kEc2Instance, true, true, 30, true, kEc2M5Large},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "BoxUsage:c5.xlarge", "RunInstances:0002", "Hrs",
     "${rate} per On Demand Windows c5.xlarge Instance Hour", 3'540'000'000, kUnit, kUnit, true,
     ResourceKind::kEc2Instance, true, true, 10, true, kEc2C5Xlarge},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "EBS:VolumeUsage.gp2", "CreateVolume-Gp2", "GB-Mo",
     "${rate} per GB-month of General Purpose SSD (gp2) provisioned storage", 1'000'000'000, 27'397'260,
     2'739'726'027, false, ResourceKind::kEbsVolume, true, true, 14, false, kEbsGp2},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "DataTransfer-Out-Bytes", "RunInstances", "GB",
     "${rate} per GB - first 10 TB / month data transfer out beyond the global free tier", 900'000'000, 1'000'000,
     50 * kUnit, false, ResourceKind::kEc2Instance, true, false, 8, false, kEc2DataOut},
    {"AmazonEC2", "Amazon Elastic Compute Cloud", "NatGateway-Hours", "NatGateway", "Hrs",
     "${rate} per NAT Gateway Hour", 450'000'000, kUnit, kUnit, true, ResourceKind::kNatGateway, true, false, 3,
     false, kNatGateway},
    {"AmazonS3", "Amazon Simple Storage Service", "TimedStorage-ByteHrs", "StandardStorage", "GB-Mo",
     "${rate} per GB - first 50 TB / month of storage used", 230'000'000, 1'000'000, 2 * kUnit, false,
     ResourceKind::kS3Bucket, true, false, 8, false, kS3Storage},
    {"AmazonS3", "Amazon Simple Storage Service", "Requests-Tier1", "PutObject", "Requests",
     "${rate} per 1,000 PUT, COPY, POST, or LIST requests", 50'000, kUnit, 20'000 * kUnit, true,
     ResourceKind::kS3Bucket, true, false, 6, false, kS3Requests},
    {"AmazonRDS", "Amazon Relational Database Service", "Multi-AZUsage:db.r5.large", "CreateDBInstance:0014",
     "Hrs", "${rate} per RDS db.r5.large Multi-AZ instance hour (or partial hour) running PostgreSQL",
     5'000'000'000, kUnit, kUnit, true, ResourceKind::kRdsDb, true, false, 6, true, kRdsPostgres},
    {"AWSLambda", "AWS Lambda", "Lambda-GB-Second", "Invoke", "Lambda-GB-Second",
     "AWS Lambda - Total Compute - {region}", 166'667, 10 * kUnit, 40'000 * kUnit, false, ResourceKind::kLambda,
     true, false, 6, false, kLambda},
    {"AmazonDynamoDB", "Amazon DynamoDB", "ReadRequestUnits", "PayPerRequestThroughput", "ReadRequestUnits",
     "${rate} per million read request units ({location})", 2'500, kUnit, 3'000'000 * kUnit, true,
     ResourceKind::kDynamoTable, true, false, 4, false, kDynamo},
    {"AmazonCloudWatch", "AmazonCloudWatch", "CW:MetricMonitorUsage", "MetricStorage", "Metrics",
     "${rate} per metric-month - first 10,000 metrics", 3'000'000'000, 1'369'863, 136'986'301, false,
     ResourceKind::kNone, true, false, 3, false, kCloudWatch},
    {"AmazonCloudFront", "Amazon CloudFront", "US-DataTransfer-Out-Bytes", "GET", "GB",
     "${rate} per GB - first 10 TB / month data transfer out (United States)", 850'000'000, 1'000'000,
     80 * kUnit, false, ResourceKind::kCloudFront, false, false, 2, false, kCloudFront},
}};

constexpr std::array kSupportProduct = {
    F{"ProductName", "AWS Support (Business)"}, F{"productFamily", "AWS Support"},
    F{"servicecode", "AWSSupportBusiness"}, F{"servicename", "AWS Support (Business)"},
    F{"sku", "7QVBN3NDYEZ4J8FU"}, F{"usagetype", "Dollar"},
};
constexpr std::array kMarketplaceProduct = {
    F{"ProductName", "NGINX Plus - \"Premium\" Edition, by NGINX, Inc."},
    F{"productFamily", "Software"}, F{"servicecode", "8n6zo2apm6yq0zvbgjpgcsoyx"},
    F{"sku", "b3p4rkhbbyqaw4x5zjrbq3j6b"}, F{"usagetype", "SoftwareUsage:m5.large"},
};

constexpr std::array<MonthlyFee, 2> kMonthlyFees = {{
    {"AWSSupportBusiness", "AWS Support (Business)", "Dollar", "AWS", "Amazon Web Services, Inc.",
     "AWS Support (Business) Monthly Fee", 20 * kUnit, 150 * kUnit, kSupportProduct},
    {"8n6zo2apm6yq0zvbgjpgcsoyx", "NGINX Plus - \"Premium\" Edition, by NGINX, Inc.", "SoftwareUsage:m5.large",
     "AWS Marketplace", "NGINX, Inc.", "NGINX Plus \"Premium\" monthly subscription, billed by F5, Inc.",
     5 * kUnit, 60 * kUnit, kMarketplaceProduct},
}};

constexpr std::array<std::string_view, 4> kTeamValues = {"platform", "data", "web, mobile", "billing"};
constexpr std::array<std::string_view, 4> kCostCenterValues = {"CC-1001", "CC-2040", "CC-3300", "CC-9999"};
constexpr std::array<std::string_view, 3> kEnvironmentValues = {"prod", "staging", "dev"};
constexpr std::array<std::string_view, 3> kProjectValues = {"Project \"Phoenix\"", "atlas", "Hermes, phase 2"};
constexpr std::array<std::string_view, 3> kOwnerValues = {"ana@example.com", "bo@example.com",
                                                          "chen@example.com"};
constexpr std::array<UserTag, 5> kUserTags = {{
    {"user:Team", kTeamValues},
    {"user:Cost Center", kCostCenterValues},
    {"user:Environment", kEnvironmentValues},
    {"user:Project", kProjectValues},
    {"user:Owner", kOwnerValues},
}};

}  // namespace

std::span<const Region> Regions() { return kRegions; }
std::span<const UsageKind> UsageKinds() { return kUsageKinds; }
std::span<const MonthlyFee> MonthlyFees() { return kMonthlyFees; }
std::span<const UserTag> UserTags() { return kUserTags; }

}  // namespace billpipe::curgen
