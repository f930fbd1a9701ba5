//===- Json.cpp - a small JSON reader for the runtime ---------------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "Json.h"

#include <cstdlib>

namespace ost::runtime::json {

const Value *Value::get(std::string_view key) const {
  if (kind != Kind::Object)
    return nullptr;
  for (const auto &[k, v] : object)
    if (k == key)
      return &v;
  return nullptr;
}

std::string Value::getString(std::string_view key,
                             std::string_view fallback) const {
  const Value *v = get(key);
  return v && v->isString() ? v->string : std::string(fallback);
}

bool Value::getBool(std::string_view key, bool fallback) const {
  const Value *v = get(key);
  return v && v->isBool() ? v->boolean : fallback;
}

namespace {

constexpr int kMaxDepth = 512;

class Parser {
public:
  explicit Parser(std::string_view text) : text(text) {}

  bool run(Value &out, std::string &error) {
    skipSpace();
    if (!parseValue(out, 0)) {
      error = message;
      return false;
    }
    skipSpace();
    if (pos != text.size()) {
      fail("end of input after the top-level value");
      error = message;
      return false;
    }
    return true;
  }

private:
  bool fail(const std::string &expected) {
    if (message.empty())
      message = "offset " + std::to_string(pos) + ": expected " + expected;
    return false;
  }

  void skipSpace() {
    while (pos < text.size() && (text[pos] == ' ' || text[pos] == '\t' ||
                                 text[pos] == '\n' || text[pos] == '\r'))
      ++pos;
  }

  bool literal(std::string_view word) {
    if (text.substr(pos, word.size()) != word)
      return fail("'" + std::string(word) + "'");
    pos += word.size();
    return true;
  }

  bool parseValue(Value &out, int depth) {
    if (depth > kMaxDepth)
      return fail("nesting of at most " + std::to_string(kMaxDepth) +
                  " levels");
    if (pos >= text.size())
      return fail("a value");
    char c = text[pos];
    switch (c) {
    case '{':
      return parseObject(out, depth);
    case '[':
      return parseArray(out, depth);
    case '"':
      out.kind = Value::Kind::String;
      return parseString(out.string);
    case 't':
      out.kind = Value::Kind::Bool;
      out.boolean = true;
      return literal("true");
    case 'f':
      out.kind = Value::Kind::Bool;
      out.boolean = false;
      return literal("false");
    case 'n':
      out.kind = Value::Kind::Null;
      return literal("null");
    default:
      if (c == '-' || (c >= '0' && c <= '9'))
        return parseNumber(out);
      return fail("a value");
    }
  }

  bool parseNumber(Value &out) {
    size_t start = pos;
    auto digits = [&] {
      size_t n = 0;
      while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9')
        ++pos, ++n;
      return n;
    };
    if (text[pos] == '-')
      ++pos;
    if (digits() == 0)
      return fail("digits");
    if (pos < text.size() && text[pos] == '.') {
      ++pos;
      if (digits() == 0)
        return fail("digits after '.'");
    }
    if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
      ++pos;
      if (pos < text.size() && (text[pos] == '+' || text[pos] == '-'))
        ++pos;
      if (digits() == 0)
        return fail("exponent digits");
    }
    out.kind = Value::Kind::Number;
    out.number = std::strtod(std::string(text.substr(start, pos - start)).c_str(),
                             nullptr);
    return true;
  }

  bool hex4(uint32_t &value) {
    if (pos + 4 > text.size())
      return fail("4 hex digits");
    value = 0;
    for (int i = 0; i < 4; ++i) {
      char c = text[pos++];
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= c - '0';
      else if (c >= 'a' && c <= 'f')
        value |= c - 'a' + 10;
      else if (c >= 'A' && c <= 'F')
        value |= c - 'A' + 10;
      else
        return fail("a hex digit");
    }
    return true;
  }

  static void appendUtf8(std::string &s, uint32_t cp) {
    if (cp < 0x80) {
      s += static_cast<char>(cp);
    } else if (cp < 0x800) {
      s += static_cast<char>(0xC0 | (cp >> 6));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      s += static_cast<char>(0xE0 | (cp >> 12));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      s += static_cast<char>(0xF0 | (cp >> 18));
      s += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      s += static_cast<char>(0x80 | (cp & 0x3F));
    }
  }

  bool parseString(std::string &out) {
    ++pos; // opening quote
    out.clear();
    while (true) {
      if (pos >= text.size())
        return fail("'\"' closing the string");
      char c = text[pos];
      if (c == '"') {
        ++pos;
        return true;
      }
      if (static_cast<unsigned char>(c) < 0x20)
        return fail("no control character inside a string");
      if (c != '\\') {
        out += c;
        ++pos;
        continue;
      }
      if (++pos >= text.size())
        return fail("an escape");
      char e = text[pos++];
      switch (e) {
      case '"': out += '"'; break;
      case '\\': out += '\\'; break;
      case '/': out += '/'; break;
      case 'b': out += '\b'; break;
      case 'f': out += '\f'; break;
      case 'n': out += '\n'; break;
      case 'r': out += '\r'; break;
      case 't': out += '\t'; break;
      case 'u': {
        uint32_t cp;
        if (!hex4(cp))
          return false;
        if (cp >= 0xD800 && cp < 0xDC00) {
          uint32_t low;
          if (text.substr(pos, 2) != "\\u")
            return fail("a low surrogate after a high surrogate");
          pos += 2;
          if (!hex4(low))
            return false;
          if (low < 0xDC00 || low >= 0xE000)
            return fail("a low surrogate after a high surrogate");
          cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
        } else if (cp >= 0xDC00 && cp < 0xE000) {
          return fail("no lone low surrogate");
        }
        appendUtf8(out, cp);
        break;
      }
      default:
        --pos;
        return fail("a valid escape character");
      }
    }
  }

  bool parseArray(Value &out, int depth) {
    ++pos;
    out.kind = Value::Kind::Array;
    skipSpace();
    if (pos < text.size() && text[pos] == ']') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      out.array.emplace_back();
      if (!parseValue(out.array.back(), depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == ']') {
        ++pos;
        return true;
      }
      return fail("',' or ']'");
    }
  }

  bool parseObject(Value &out, int depth) {
    ++pos;
    out.kind = Value::Kind::Object;
    skipSpace();
    if (pos < text.size() && text[pos] == '}') {
      ++pos;
      return true;
    }
    while (true) {
      skipSpace();
      if (pos >= text.size() || text[pos] != '"')
        return fail("a string key");
      std::string key;
      if (!parseString(key))
        return false;
      skipSpace();
      if (pos >= text.size() || text[pos] != ':')
        return fail("':'");
      ++pos;
      skipSpace();
      out.object.emplace_back(std::move(key), Value());
      if (!parseValue(out.object.back().second, depth + 1))
        return false;
      skipSpace();
      if (pos < text.size() && text[pos] == ',') {
        ++pos;
        continue;
      }
      if (pos < text.size() && text[pos] == '}') {
        ++pos;
        return true;
      }
      return fail("',' or '}'");
    }
  }

  std::string_view text;
  size_t pos = 0;
  std::string message;
};

} // namespace

bool parse(std::string_view text, Value &out, std::string &error) {
  out = Value();
  return Parser(text).run(out, error);
}

} // namespace ost::runtime::json
