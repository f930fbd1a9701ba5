//===- ModelInfoFields.h - ModelABI.def's model-info list as a table -*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// The entries of `ostrt_model_info` and of the `ost.model_info` module
// attribute (ModelABI.def's OSTRT_INFO_FIELD / OSTRT_INFO_ATTR lists) as one
// constexpr table, for the compiler side: the CPU backend lays out and fills
// the struct from it, the OST dialect verifies the attribute against it.
// Plain C++17, no MLIR.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_MODELINFOFIELDS_H
#define OST_RUNTIME_MODELINFOFIELDS_H

namespace ost::runtime::abi {

/// The C type of an entry (ModelABI.def's TYPE).
enum class InfoType { I64, F32, STEP, STRING };
/// Where a field's value comes from (ModelABI.def's SOURCE).
enum class InfoSource { ATTR, VERSION, STEP, DESCRIPTION, WEIGHT_BYTES };

struct InfoEntry {
  const char *name;
  InfoType type;
  InfoSource source;
  /// False for an ost.model_info entry that is not a struct field.
  bool isField;
};

/// Struct fields in order, then the attribute-only entries.
inline constexpr InfoEntry kModelInfoEntries[] = {
#define OSTRT_INFO_FIELD(NAME, TYPE, SOURCE)                                   \
  {#NAME, InfoType::TYPE, InfoSource::SOURCE, true},
#define OSTRT_INFO_ATTR(NAME, TYPE) {#NAME, InfoType::TYPE, InfoSource::ATTR, false},
#include "ost/runtime/ModelABI.def"
};

} // namespace ost::runtime::abi

#endif // OST_RUNTIME_MODELINFOFIELDS_H
