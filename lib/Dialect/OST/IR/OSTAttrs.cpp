//===- OSTAttrs.cpp - OST attributes and enums ----------------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Dialect/OST/IR/OSTAttrs.h"

#include "ost/Dialect/OST/IR/OSTDialect.h"
#include "ost/Numerics/QuantGrid.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace mlir::ost;

#include "ost/Dialect/OST/IR/OSTEnums.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "ost/Dialect/OST/IR/OSTAttrs.cpp.inc"

void OSTDialect::registerAttributes() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "ost/Dialect/OST/IR/OSTAttrs.cpp.inc"
      >();
}

//===----------------------------------------------------------------------===//
// QuantSpecAttr
//===----------------------------------------------------------------------===//

// Syntax: `<` bits `,` (`sym`|`asym`) `,` granularity
//         (`,` `axis` `=` int)? (`,` `group` `=` int)? (`,` `clip` `=` float)? `>`
Attribute QuantSpecAttr::parse(AsmParser &parser, Type) {
  MLIRContext *ctx = parser.getContext();
  unsigned bits = 0;
  StringRef symmetry, granularityName;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() || parser.parseInteger(bits) || parser.parseComma())
    return {};
  SMLoc symLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&symmetry) || parser.parseComma())
    return {};
  if (symmetry != "sym" && symmetry != "asym") {
    parser.emitError(symLoc) << "expected 'sym' or 'asym', got '" << symmetry
                             << "'";
    return {};
  }
  SMLoc granLoc = parser.getCurrentLocation();
  if (parser.parseKeyword(&granularityName))
    return {};
  std::optional<Granularity> granularity =
      symbolizeGranularity(granularityName);
  if (!granularity) {
    parser.emitError(granLoc)
        << "expected 'per_tensor', 'per_token' or 'per_channel', got '"
        << granularityName << "'";
    return {};
  }
  int64_t axis = 0, group = 0;
  double clip = 1.0;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key) || parser.parseEqual())
      return {};
    if (key == "axis") {
      if (parser.parseInteger(axis))
        return {};
    } else if (key == "group") {
      if (parser.parseInteger(group))
        return {};
    } else if (key == "clip") {
      if (parser.parseFloat(clip))
        return {};
    } else {
      parser.emitError(keyLoc)
          << "unknown qspec key '" << key << "' (expected axis, group or clip)";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  return parser.getChecked<QuantSpecAttr>(loc, ctx, bits, symmetry == "sym",
                                          *granularity, axis, group,
                                          llvm::APFloat(clip));
}

void QuantSpecAttr::print(AsmPrinter &printer) const {
  printer << "<" << getBits() << ", " << (getSymmetric() ? "sym" : "asym")
          << ", " << stringifyGranularity(getGranularity());
  if (getAxis() != 0)
    printer << ", axis = " << getAxis();
  if (getGroupSize() != 0)
    printer << ", group = " << getGroupSize();
  if (getClipRatioValue() != 1.0)
    printer << ", clip = " << getClipRatioValue();
  printer << ">";
}

LogicalResult
QuantSpecAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                      unsigned bits, bool symmetric, Granularity granularity,
                      int64_t axis, int64_t groupSize,
                      llvm::APFloat clipRatioFloat) {
  double clipRatio = clipRatioFloat.convertToDouble();
  if (bits < 2 || bits > 8)
    return emitError() << "quantization bits must be in [2, 8], got " << bits;
  if (!(clipRatio > 0.0 && clipRatio <= 1.0))
    return emitError() << "clip ratio must be in (0, 1], got " << clipRatio;
  if (groupSize < 0)
    return emitError() << "group size must be positive, got " << groupSize;
  if (groupSize > 0 && granularity == Granularity::PerTensor)
    return emitError() << "per_tensor quantization cannot have groups";
  if (axis < 0)
    return emitError() << "quantization axis must be non-negative, got "
                       << axis;
  if (axis != 0 && granularity != Granularity::PerChannel)
    return emitError() << "an axis is only meaningful for per_channel "
                          "quantization";
  return success();
}

int64_t QuantSpecAttr::getQMin() const {
  return ::ost::numerics::getQMin(getBits(), getSymmetric());
}

int64_t QuantSpecAttr::getQMax() const {
  return ::ost::numerics::getQMax(getBits(), getSymmetric());
}

double QuantSpecAttr::getClipRatioValue() const {
  return getClipRatio().convertToDouble();
}

int64_t QuantSpecAttr::getReductionSize(int64_t lastDim) const {
  return getGroupSize() > 0 ? getGroupSize() : lastDim;
}
