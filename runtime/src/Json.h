//===- Json.h - a small JSON reader for the runtime -------------*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Parses RFC 8259 JSON into a tree (objects keep their key order). Used by
// the Hugging Face tokenizer.json loader; the runtime links no LLVM, so it
// cannot use llvm::json. Errors name the byte offset and what was expected;
// nesting deeper than 512 levels is refused instead of overflowing the stack.
//
//===----------------------------------------------------------------------===//

#ifndef OST_RUNTIME_JSON_H
#define OST_RUNTIME_JSON_H

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ost::runtime::json {

class Value {
public:
  enum class Kind { Null, Bool, Number, String, Array, Object };

  Kind kind = Kind::Null;
  bool boolean = false;
  double number = 0.0;
  std::string string;
  std::vector<Value> array;
  std::vector<std::pair<std::string, Value>> object;

  bool isNull() const { return kind == Kind::Null; }
  bool isString() const { return kind == Kind::String; }
  bool isNumber() const { return kind == Kind::Number; }
  bool isArray() const { return kind == Kind::Array; }
  bool isObject() const { return kind == Kind::Object; }
  bool isBool() const { return kind == Kind::Bool; }

  /// The member `key` of an object, or null when absent or not an object.
  const Value *get(std::string_view key) const;
  /// The string member `key`, or `fallback`.
  std::string getString(std::string_view key,
                        std::string_view fallback = {}) const;
  /// The boolean member `key`, or `fallback`.
  bool getBool(std::string_view key, bool fallback) const;
};

/// Parses `text`. On failure returns false and sets `error` to
/// "offset N: <what was expected>".
bool parse(std::string_view text, Value &out, std::string &error);

} // namespace ost::runtime::json

#endif // OST_RUNTIME_JSON_H
