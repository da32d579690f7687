// Row errors are not CSV's own: util/row_error.h has them, for every batch source. These names keep the
// csv:: spelling the scanner's users know.
#pragma once

#include "util/row_error.h"

namespace billpipe::csv {

using billpipe::RowError;
using billpipe::RowErrorKind;
using billpipe::RowErrorKindName;
using billpipe::RowErrorPolicy;

}  // namespace billpipe::csv
