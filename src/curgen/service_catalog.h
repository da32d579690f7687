// The AWS usage the generator draws line items from: real service codes, usage types, operations,
// units, public on-demand rates and the product columns each kind of usage fills in real reports.
// Values are taken from AWS's price list and real CUR files; rates are realistic, not current.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

namespace billpipe::curgen {

struct Region {
  std::string_view code;               // "us-west-2"
  std::string_view usage_type_prefix;  // "USW2-" ("" for us-east-1, as AWS writes it)
  std::string_view location;           // product/location: "US West (Oregon)"
  std::string_view az_suffixes;        // availability zone letters, e.g. "abc"
};

// How a line's resource id looks.
enum class ResourceKind {
  kNone,
  kEc2Instance,  // i-0123456789abcdef0
  kEbsVolume,    // vol-0123456789abcdef0
  kS3Bucket,     // bucket name
  kRdsDb,        // arn:aws:rds:REGION:ACCOUNT:db:NAME
  kLambda,       // arn:aws:lambda:REGION:ACCOUNT:function:NAME
  kDynamoTable,  // arn:aws:dynamodb:REGION:ACCOUNT:table/NAME
  kNatGateway,   // arn:aws:ec2:REGION:ACCOUNT:natgateway/nat-...
  kCloudFront,   // arn:aws:cloudfront::ACCOUNT:distribution/E...
};

// A product column this usage fills, with its value. "{region}", "{location}" and "{usagetype}" are
// replaced by the line's region code, location and full usage type.
struct ProductField {
  std::string_view name;  // product/<name>
  std::string_view value;
};

// One kind of usage: a service, usage type and operation.
struct UsageKind {
  std::string_view product_code;    // lineItem/ProductCode and product/servicecode
  std::string_view product_name;    // product/ProductName
  std::string_view usage_type;      // without the region prefix: "BoxUsage:m5.large"
  std::string_view operation;       // "RunInstances"
  std::string_view unit;            // pricing/unit: "Hrs", "GB-Mo", "Requests", ...
  // lineItem/LineItemDescription; "{rate}" is replaced by the rate with its trailing zeros trimmed.
  std::string_view description;
  int64_t rate_units;               // public on-demand rate per unit, in 1e-10 dollars
  int64_t min_amount_units;         // usage amount per hour of usage, in 1e-10 units
  int64_t max_amount_units;
  bool whole_amounts;               // amounts are whole numbers (hours, requests)
  ResourceKind resource;
  bool regional;                    // has a region prefix and AvailabilityZone / location columns
  bool has_availability_zone;
  uint32_t weight;                  // relative frequency among usage lines
  bool reservable;                  // EC2 / RDS instance hours: may be covered by an RI or Savings Plan
  std::span<const ProductField> product;
};

std::span<const Region> Regions();
std::span<const UsageKind> UsageKinds();

// A fee charged once a month (support, a Marketplace subscription), and a reserved instance.
struct MonthlyFee {
  std::string_view product_code;
  std::string_view product_name;
  std::string_view usage_type;
  std::string_view billing_entity;  // "AWS" or "AWS Marketplace"
  std::string_view legal_entity;    // lineItem/LegalEntity, e.g. "Amazon Web Services, Inc."
  std::string_view description;
  int64_t min_cost_units;
  int64_t max_cost_units;
  std::span<const ProductField> product;
};
std::span<const MonthlyFee> MonthlyFees();

// A user-defined cost allocation tag and the values it takes.
struct UserTag {
  std::string_view key;  // "user:Cost Center" (header resourceTags/user:Cost Center)
  std::span<const std::string_view> values;
};
std::span<const UserTag> UserTags();

}  // namespace billpipe::curgen
