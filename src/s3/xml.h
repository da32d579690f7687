// Just enough XML for S3's answers (ListBucketResult, Error): elements found by tag name, text with
// entities decoded. S3's XML is machine-written, flat and predictable; this is not a general parser.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace billpipe::s3::xml {

// The raw inner text of each <tag>...</tag> (or empty for <tag/>) in document order, not decoded.
// Nested elements of the same name are not supported (S3 has none).
std::vector<std::string_view> Elements(std::string_view doc, std::string_view tag);

// The decoded text of the first <tag> element, nullopt when there is none.
std::optional<std::string> Text(std::string_view doc, std::string_view tag);

// Decodes &amp; &lt; &gt; &quot; &apos; and numeric references (&#39; &#x27;).
std::string Decode(std::string_view text);

}  // namespace billpipe::s3::xml
