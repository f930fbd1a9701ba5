//===- HFTokenizer.cpp - Hugging Face tokenizer.json (BPE) ----------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Loading: the JSON tree is checked field by field against what the encoder
// implements, so an unsupported tokenizer fails at load time, never by
// encoding differently. Encoding mirrors the `tokenizers` library: added
// tokens are split off the raw text first (longest match), every other
// segment is normalized / pre-tokenized, and each word is merged by BPE with
// a heap ordered by (merge rank, position), as `tokenizers` does.
//
//===----------------------------------------------------------------------===//

#include "ost/runtime/Tokenizer.h"

#include "Json.h"
#include "PreTokenizer.h"

#include <algorithm>
#include <fstream>
#include <iterator>
#include <optional>
#include <queue>
#include <unordered_map>

namespace ost::runtime {

namespace {

constexpr std::string_view kMetaspace = "\xE2\x96\x81"; // U+2581 '▁'

void appendUtf8(std::string &s, uint32_t cp) {
  if (cp < 0x80) {
    s += static_cast<char>(cp);
  } else if (cp < 0x800) {
    s += static_cast<char>(0xC0 | (cp >> 6));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    s += static_cast<char>(0xE0 | (cp >> 12));
    s += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    s += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

/// GPT-2's byte-to-character table: printable Latin-1 bytes stand for
/// themselves, the others for U+0100 onwards in byte order.
std::vector<uint32_t> byteLevelAlphabet() {
  std::vector<uint32_t> table(256);
  uint32_t next = 256;
  for (uint32_t b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                     (b >= 174 && b <= 255);
    table[b] = printable ? b : next++;
  }
  return table;
}

std::string byteToken(unsigned char b) {
  static const char *hex = "0123456789ABCDEF";
  return std::string("<0x") + hex[b >> 4] + hex[b & 15] + ">";
}

bool readFile(const std::string &path, std::string &out) {
  std::ifstream in(path, std::ios::binary);
  if (!in)
    return false;
  out.assign(std::istreambuf_iterator<char>(in),
             std::istreambuf_iterator<char>());
  return true;
}

/// A special token given as a string or {"content": ...}.
std::string tokenContent(const json::Value *v) {
  if (!v)
    return {};
  if (v->isString())
    return v->string;
  return v->getString("content");
}

} // namespace

struct HFTokenizer::Impl {
  enum class Mode { ByteLevel, SentencePiece };
  struct Added {
    std::string content;
    int32_t id;
  };

  Mode mode = Mode::ByteLevel;
  bool sawByteLevel = false, sawSentencePiece = false;
  std::vector<std::string> pieces;
  std::unordered_map<std::string, int32_t> vocab;
  /// (left id, right id) -> (rank, merged id).
  std::unordered_map<uint64_t, std::pair<int32_t, int32_t>> merges;
  std::vector<Added> added; // longest content first
  std::vector<bool> isAdded;
  bool addedFirstByte[256] = {};
  std::vector<int32_t> prefix, suffix;
  int32_t bos = -1, eos = -1, unk = -1;
  bool byteFallback = false, fuseUnk = false, ignoreMerges = false;
  // Byte level.
  std::optional<SplitPattern> split;
  bool addPrefixSpace = false;
  /// Digits{individual_digits: true} before ByteLevel (SmolLM2, StarCoder).
  bool individualDigits = false;
  std::vector<std::string> byteChars;            // byte -> its character
  std::unordered_map<uint32_t, uint8_t> charByte; // character -> byte
  // SentencePiece style.
  bool prependAlways = false, prependFirst = false, splitOnMetaspace = false;
  /// Metaspace prepends only to text that does not start with a space; the
  /// Prepend normalizer always does.
  bool prependUnlessSpace = false;
  int32_t byteIds[256];

  std::string where;
  std::string error;

  bool fail(const std::string &what) {
    error = where + ": " + what;
    return false;
  }

  bool parseModel(const json::Value &model);
  bool parseAdded(const json::Value *list);
  bool parseNormalizer(const json::Value *n);
  bool parsePreTokenizer(const json::Value *p);
  bool parsePostProcessor(const json::Value *p);
  bool finish(std::string_view configText);

  int32_t lookup(const std::string &s) const {
    auto it = vocab.find(s);
    return it == vocab.end() ? -1 : it->second;
  }
  void encodeWord(const std::string &word, std::vector<int32_t> &out) const;
  void encodeSegment(std::string_view text, bool first,
                     std::vector<int32_t> &out,
                     std::unordered_map<std::string, std::vector<int32_t>>
                         &cache) const;
};

bool HFTokenizer::Impl::parseModel(const json::Value &model) {
  std::string type = model.getString("type");
  if (type != "BPE")
    return fail("model type '" + type + "' is not supported (only BPE)");
  const json::Value *dropout = model.get("dropout");
  if (dropout && dropout->isNumber() && dropout->number != 0.0)
    return fail("BPE dropout is not supported (encoding must be deterministic)");
  for (const char *key : {"continuing_subword_prefix", "end_of_word_suffix"}) {
    const json::Value *v = model.get(key);
    if (v && v->isString() && !v->string.empty())
      return fail(std::string("BPE ") + key + " '" + v->string +
                  "' is not supported");
  }
  byteFallback = model.getBool("byte_fallback", false);
  fuseUnk = model.getBool("fuse_unk", false);
  ignoreMerges = model.getBool("ignore_merges", false);
  const json::Value *v = model.get("vocab");
  if (!v || !v->isObject() || v->object.empty())
    return fail("model.vocab is missing or empty");
  for (const auto &[piece, id] : v->object) {
    if (!id.isNumber() || id.number < 0 || id.number > 1e8 ||
        id.number != static_cast<int32_t>(id.number))
      return fail("model.vocab['" + piece + "'] is not a token id");
    int32_t i = static_cast<int32_t>(id.number);
    vocab[piece] = i;
    if (static_cast<size_t>(i) >= pieces.size())
      pieces.resize(i + 1);
    pieces[i] = piece;
  }
  std::string unkToken = model.getString("unk_token");
  if (!unkToken.empty())
    unk = lookup(unkToken);
  const json::Value *m = model.get("merges");
  if (!m || !m->isArray())
    return fail("model.merges is missing");
  int32_t rank = 0;
  for (const json::Value &merge : m->array) {
    std::string a, b;
    if (merge.isString()) {
      size_t space = merge.string.find(' ');
      if (space == std::string::npos)
        return fail("merge " + std::to_string(rank) + " '" + merge.string +
                    "' is not two tokens separated by a space");
      a = merge.string.substr(0, space);
      b = merge.string.substr(space + 1);
    } else if (merge.isArray() && merge.array.size() == 2 &&
               merge.array[0].isString() && merge.array[1].isString()) {
      a = merge.array[0].string;
      b = merge.array[1].string;
    } else {
      return fail("merge " + std::to_string(rank) + " is not a token pair");
    }
    int32_t ia = lookup(a), ib = lookup(b), ic = lookup(a + b);
    if (ia < 0 || ib < 0 || ic < 0)
      return fail("merge " + std::to_string(rank) + " ('" + a + "', '" + b +
                  "') uses a token that is not in the vocabulary");
    uint64_t key = (static_cast<uint64_t>(ia) << 32) | static_cast<uint32_t>(ib);
    merges.emplace(key, std::make_pair(rank, ic));
    ++rank;
  }
  return true;
}

bool HFTokenizer::Impl::parseAdded(const json::Value *list) {
  if (!list || list->isNull())
    return true;
  if (!list->isArray())
    return fail("added_tokens is not a list");
  for (const json::Value &t : list->array) {
    const json::Value *id = t.get("id");
    std::string content = t.getString("content");
    if (!id || !id->isNumber() || id->number < 0 || id->number > 1e8 ||
        content.empty())
      return fail("an added token has no id or content");
    int32_t i = static_cast<int32_t>(id->number);
    if (static_cast<size_t>(i) >= pieces.size())
      pieces.resize(i + 1);
    pieces[i] = content;
    vocab.emplace(content, i);
    added.push_back({content, i});
  }
  std::sort(added.begin(), added.end(), [](const Added &a, const Added &b) {
    return a.content.size() != b.content.size()
               ? a.content.size() > b.content.size()
               : a.id < b.id;
  });
  for (const Added &a : added)
    addedFirstByte[static_cast<unsigned char>(a.content[0])] = true;
  return true;
}

bool HFTokenizer::Impl::parseNormalizer(const json::Value *n) {
  if (!n || n->isNull())
    return true;
  std::string type = n->getString("type");
  if (type == "Sequence") {
    const json::Value *list = n->get("normalizers");
    if (!list || !list->isArray())
      return fail("normalizer Sequence has no list");
    for (const json::Value &item : list->array)
      if (!parseNormalizer(&item))
        return false;
    return true;
  }
  if (type == "Prepend" && n->getString("prepend") == kMetaspace) {
    sawSentencePiece = true;
    prependAlways = true;
    return true;
  }
  if (type == "Replace") {
    const json::Value *pattern = n->get("pattern");
    if (pattern && pattern->getString("String") == " " &&
        n->getString("content") == kMetaspace) {
      sawSentencePiece = true;
      return true;
    }
  }
  return fail("normalizer '" + type + "' is not supported (supported: none, "
              "or SentencePiece's Prepend(\"\xE2\x96\x81\") + Replace(\" \", "
              "\"\xE2\x96\x81\"))");
}

bool HFTokenizer::Impl::parsePreTokenizer(const json::Value *p) {
  if (!p || p->isNull())
    return true;
  std::string type = p->getString("type");
  if (type == "Sequence") {
    const json::Value *list = p->get("pretokenizers");
    if (!list || !list->isArray())
      return fail("pre_tokenizer Sequence has no list");
    for (const json::Value &item : list->array)
      if (!parsePreTokenizer(&item))
        return false;
    return true;
  }
  if (type == "ByteLevel") {
    sawByteLevel = true;
    addPrefixSpace = p->getBool("add_prefix_space", false);
    if (p->getBool("use_regex", true)) {
      if (split)
        return fail("pre_tokenizer has both a Split pattern and ByteLevel's "
                    "use_regex");
      split = SplitPattern::Gpt2;
    }
    return true;
  }
  if (type == "Split") {
    const json::Value *pattern = p->get("pattern");
    std::string regex = pattern ? pattern->getString("Regex") : "";
    SplitPattern sp;
    if (regex.empty() || !recognizeSplitPattern(regex, sp))
      return fail("pre_tokenizer Split pattern '" +
                  (regex.empty() && pattern ? pattern->getString("String")
                                            : regex) +
                  "' is not supported (supported: the GPT-2, Llama-3 and "
                  "Qwen2 patterns)");
    if (p->getString("behavior") != "Isolated" || p->getBool("invert", false))
      return fail("pre_tokenizer Split must be behavior 'Isolated' without "
                  "invert");
    split = sp;
    return true;
  }
  if (type == "Digits") {
    if (!p->getBool("individual_digits", false))
      return fail("pre_tokenizer Digits without individual_digits is not "
                  "supported");
    if (sawByteLevel)
      return fail("pre_tokenizer Digits after ByteLevel is not supported");
    individualDigits = true;
    return true;
  }
  if (type == "Metaspace") {
    if (p->getString("replacement", kMetaspace) != kMetaspace)
      return fail("Metaspace replacement must be U+2581");
    sawSentencePiece = true;
    std::string scheme = p->getString("prepend_scheme");
    if (scheme.empty())
      scheme = p->getBool("add_prefix_space", true) ? "always" : "never";
    prependAlways = scheme == "always";
    prependFirst = scheme == "first";
    prependUnlessSpace = true;
    splitOnMetaspace = p->getBool("split", true);
    return true;
  }
  return fail("pre_tokenizer '" + type + "' is not supported (supported: "
              "ByteLevel, Split + ByteLevel, Metaspace)");
}

bool HFTokenizer::Impl::parsePostProcessor(const json::Value *p) {
  if (!p || p->isNull())
    return true;
  std::string type = p->getString("type");
  if (type == "ByteLevel")
    return true; // offsets only
  if (type == "Sequence") {
    const json::Value *list = p->get("processors");
    if (!list || !list->isArray())
      return fail("post_processor Sequence has no list");
    for (const json::Value &item : list->array)
      if (!parsePostProcessor(&item))
        return false;
    return true;
  }
  if (type != "TemplateProcessing")
    return fail("post_processor '" + type + "' is not supported (supported: "
                "TemplateProcessing, ByteLevel)");
  const json::Value *single = p->get("single");
  const json::Value *specials = p->get("special_tokens");
  if (!single || !single->isArray())
    return fail("TemplateProcessing has no 'single' template");
  prefix.clear();
  suffix.clear();
  bool seenSequence = false;
  for (const json::Value &item : single->array) {
    if (item.get("Sequence")) {
      seenSequence = true;
      continue;
    }
    const json::Value *special = item.get("SpecialToken");
    std::string name = special ? special->getString("id") : "";
    const json::Value *entry = specials ? specials->get(name) : nullptr;
    const json::Value *ids = entry ? entry->get("ids") : nullptr;
    if (name.empty() || !ids || !ids->isArray())
      return fail("TemplateProcessing special token '" + name +
                  "' has no ids");
    for (const json::Value &id : ids->array) {
      if (!id.isNumber())
        return fail("TemplateProcessing special token '" + name +
                    "' has a non-numeric id");
      (seenSequence ? suffix : prefix).push_back(static_cast<int32_t>(id.number));
    }
  }
  return true;
}

bool HFTokenizer::Impl::finish(std::string_view configText) {
  if (sawByteLevel == sawSentencePiece)
    return fail(sawByteLevel
                    ? "mixes byte-level and SentencePiece-style settings"
                    : "is neither byte-level (a ByteLevel pre-tokenizer) nor "
                      "SentencePiece-style (Metaspace, or the Prepend/Replace "
                      "normalizer): not supported");
  mode = sawByteLevel ? Mode::ByteLevel : Mode::SentencePiece;
  if (split && !sawByteLevel)
    return fail("a Split pre-tokenizer without ByteLevel is not supported");
  isAdded.assign(pieces.size(), false);
  for (const Added &a : added)
    isAdded[a.id] = true;
  if (mode == Mode::ByteLevel) {
    std::vector<uint32_t> alphabet = byteLevelAlphabet();
    byteChars.resize(256);
    for (int b = 0; b < 256; ++b) {
      appendUtf8(byteChars[b], alphabet[b]);
      charByte[alphabet[b]] = static_cast<uint8_t>(b);
    }
  }
  for (int b = 0; b < 256; ++b)
    byteIds[b] = lookup(byteToken(static_cast<unsigned char>(b)));
  if (!prefix.empty())
    bos = prefix.front();
  // tokenizer_config.json beside the file: EOS, and BOS when no template.
  json::Value config;
  std::string ignored;
  bool haveConfig = !configText.empty() && json::parse(configText, config, ignored);
  if (haveConfig) {
    eos = lookup(tokenContent(config.get("eos_token")));
    if (prefix.empty() && config.getBool("add_bos_token", false)) {
      bos = lookup(tokenContent(config.get("bos_token")));
      if (bos >= 0)
        prefix.push_back(bos);
    }
  }
  if (eos < 0)
    for (const char *name : {"<|endoftext|>", "</s>", "<|end_of_text|>",
                             "<|im_end|>", "<|eot_id|>"})
      if ((eos = lookup(name)) >= 0)
        break;
  for (int32_t id : prefix)
    if (id < 0 || static_cast<size_t>(id) >= pieces.size())
      return fail("post_processor adds token id " + std::to_string(id) +
                  ", which is outside the vocabulary");
  return true;
}

void HFTokenizer::Impl::encodeWord(const std::string &word,
                                   std::vector<int32_t> &out) const {
  if (ignoreMerges) {
    int32_t id = lookup(word);
    if (id >= 0) {
      out.push_back(id);
      return;
    }
  }
  // Initial symbols: one per character, byte fallback or unk when a
  // character is not a token.
  std::vector<int32_t> ids;
  for (size_t pos = 0; pos < word.size();) {
    size_t len;
    decodeUtf8(word, pos, len);
    int32_t id = lookup(word.substr(pos, len));
    if (id >= 0) {
      ids.push_back(id);
    } else {
      bool allBytes = byteFallback;
      for (size_t k = 0; allBytes && k < len; ++k)
        allBytes = byteIds[static_cast<unsigned char>(word[pos + k])] >= 0;
      if (allBytes) {
        for (size_t k = 0; k < len; ++k)
          ids.push_back(byteIds[static_cast<unsigned char>(word[pos + k])]);
      } else if (unk >= 0 && !(fuseUnk && !ids.empty() && ids.back() == unk)) {
        ids.push_back(unk);
      }
    }
    pos += len;
  }
  // Merge by (rank, position) with a heap over a linked list of symbols.
  size_t n = ids.size();
  std::vector<int32_t> prev(n), next(n);
  std::vector<bool> alive(n, true);
  for (size_t i = 0; i < n; ++i) {
    prev[i] = static_cast<int32_t>(i) - 1;
    next[i] = i + 1 < n ? static_cast<int32_t>(i + 1) : -1;
  }
  struct Candidate {
    int32_t rank, pos, left, right, merged;
    bool operator>(const Candidate &o) const {
      return rank != o.rank ? rank > o.rank : pos > o.pos;
    }
  };
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> heap;
  auto push = [&](int32_t i) {
    if (i < 0 || next[i] < 0)
      return;
    int32_t j = next[i];
    uint64_t key =
        (static_cast<uint64_t>(ids[i]) << 32) | static_cast<uint32_t>(ids[j]);
    auto it = merges.find(key);
    if (it != merges.end())
      heap.push({it->second.first, i, ids[i], ids[j], it->second.second});
  };
  for (size_t i = 0; i + 1 < n; ++i)
    push(static_cast<int32_t>(i));
  while (!heap.empty()) {
    Candidate c = heap.top();
    heap.pop();
    int32_t i = c.pos;
    if (!alive[i] || ids[i] != c.left || next[i] < 0 || ids[next[i]] != c.right)
      continue; // stale
    int32_t j = next[i];
    ids[i] = c.merged;
    alive[j] = false;
    next[i] = next[j];
    if (next[j] >= 0)
      prev[next[j]] = i;
    push(prev[i]);
    push(i);
  }
  for (size_t i = 0; i < n; ++i)
    if (alive[i])
      out.push_back(ids[i]);
}

void HFTokenizer::Impl::encodeSegment(
    std::string_view text, bool first, std::vector<int32_t> &out,
    std::unordered_map<std::string, std::vector<int32_t>> &cache) const {
  auto word = [&](const std::string &w) {
    if (w.empty())
      return;
    if (w.size() > 64) {
      encodeWord(w, out);
      return;
    }
    auto it = cache.find(w);
    if (it == cache.end()) {
      std::vector<int32_t> ids;
      encodeWord(w, ids);
      it = cache.emplace(w, std::move(ids)).first;
    }
    out.insert(out.end(), it->second.begin(), it->second.end());
  };
  if (mode == Mode::ByteLevel) {
    std::string owned;
    if (addPrefixSpace && (text.empty() || text.front() != ' ')) {
      owned = " ";
      owned += text;
      text = owned;
    }
    std::vector<ByteRange> ranges;
    auto splitPart = [&](size_t b, size_t e) {
      if (!split) {
        ranges.emplace_back(b, e);
        return;
      }
      for (auto [pb, pe] : splitByPattern(text.substr(b, e - b), *split))
        ranges.emplace_back(b + pb, b + pe);
    };
    if (individualDigits) {
      // Every numeric character (\p{N}: '7', '\u0663', '\u00bd') is a piece
      // of its own, as in `tokenizers`; the runs between them go through
      // the pattern.
      size_t start = 0;
      for (size_t k = 0; k < text.size();) {
        size_t len = 1;
        uint32_t cp = static_cast<unsigned char>(text[k]);
        if (cp >= 0x80)
          cp = decodeUtf8(text, k, len);
        if (!isNumeric(cp)) {
          k += len;
          continue;
        }
        if (k > start)
          splitPart(start, k);
        ranges.emplace_back(k, k + len);
        k += len;
        start = k;
      }
      if (start < text.size())
        splitPart(start, text.size());
    } else {
      splitPart(0, text.size());
    }
    std::string mapped;
    for (auto [b, e] : ranges) {
      mapped.clear();
      for (size_t k = b; k < e; ++k)
        mapped += byteChars[static_cast<unsigned char>(text[k])];
      word(mapped);
    }
    return;
  }
  std::string normalized;
  if ((prependAlways || (prependFirst && first)) &&
      !(prependUnlessSpace && !text.empty() && text.front() == ' '))
    normalized = kMetaspace;
  for (char c : text) {
    if (c == ' ')
      normalized += kMetaspace;
    else
      normalized += c;
  }
  if (!splitOnMetaspace) {
    word(normalized);
    return;
  }
  size_t start = 0;
  while (start < normalized.size()) {
    size_t nextMeta = normalized.find(kMetaspace, start + 1);
    if (nextMeta == std::string::npos)
      nextMeta = normalized.size();
    word(normalized.substr(start, nextMeta - start));
    start = nextMeta;
  }
}

HFTokenizer::HFTokenizer() : impl(std::make_unique<Impl>()) {}
HFTokenizer::~HFTokenizer() = default;

bool HFTokenizer::load(const std::string &path, std::string &error) {
  std::string text;
  if (!readFile(path, text)) {
    error = path + ": cannot open tokenizer file";
    return false;
  }
  std::string config;
  size_t slash = path.find_last_of('/');
  std::string dir = slash == std::string::npos ? "" : path.substr(0, slash + 1);
  readFile(dir + "tokenizer_config.json", config); // optional
  return loadFromString(text, path, error, config);
}

bool HFTokenizer::loadFromString(std::string_view text, const std::string &name,
                                 std::string &error,
                                 std::string_view configText) {
  impl = std::make_unique<Impl>();
  impl->where = name;
  json::Value root;
  std::string parseError;
  if (!json::parse(text, root, parseError)) {
    error = name + ": not a valid tokenizer.json: " + parseError;
    return false;
  }
  const json::Value *model = root.isObject() ? root.get("model") : nullptr;
  bool ok = model ? impl->parseModel(*model)
                  : impl->fail("not a tokenizer.json: no 'model' object");
  ok = ok && impl->parseAdded(root.get("added_tokens")) &&
       impl->parseNormalizer(root.get("normalizer")) &&
       impl->parsePreTokenizer(root.get("pre_tokenizer")) &&
       impl->parsePostProcessor(root.get("post_processor")) &&
       impl->finish(configText);
  if (!ok) {
    error = impl->error;
    return false;
  }
  return true;
}

std::vector<int32_t> HFTokenizer::encode(std::string_view text, bool bos,
                                         bool eos) const {
  std::vector<int32_t> out;
  if (bos)
    out = impl->prefix;
  std::unordered_map<std::string, std::vector<int32_t>> cache;
  size_t segment = 0;
  bool first = true;
  auto flush = [&](size_t end) {
    if (end > segment)
      impl->encodeSegment(text.substr(segment, end - segment), first, out,
                          cache);
    first = false;
  };
  for (size_t pos = 0; pos < text.size();) {
    const Impl::Added *match = nullptr;
    if (impl->addedFirstByte[static_cast<unsigned char>(text[pos])])
      for (const Impl::Added &a : impl->added)
        if (text.compare(pos, a.content.size(), a.content) == 0) {
          match = &a;
          break;
        }
    if (!match) {
      ++pos;
      continue;
    }
    flush(pos);
    out.push_back(match->id);
    pos += match->content.size();
    segment = pos;
  }
  flush(text.size());
  if (eos && impl->eos >= 0)
    out.push_back(impl->eos);
  return out;
}

std::string HFTokenizer::decode(const std::vector<int32_t> &ids) const {
  std::string out;
  const Impl &t = *impl;
  for (int32_t id : ids) {
    if (id < 0 || static_cast<size_t>(id) >= t.pieces.size() || id == t.bos ||
        id == t.eos)
      continue;
    const std::string &piece = t.pieces[id];
    if (t.isAdded[id]) {
      out += piece;
      continue;
    }
    if (t.mode == Impl::Mode::ByteLevel) {
      for (size_t pos = 0; pos < piece.size();) {
        size_t len;
        uint32_t cp = decodeUtf8(piece, pos, len);
        auto it = t.charByte.find(cp);
        if (it != t.charByte.end())
          out += static_cast<char>(it->second);
        else
          out.append(piece, pos, len);
        pos += len;
      }
      continue;
    }
    int b = -1;
    for (int k = 0; k < 256 && b < 0; ++k)
      if (t.byteIds[k] == id)
        b = k;
    if (b >= 0) {
      out += static_cast<char>(b);
      continue;
    }
    for (size_t pos = 0; pos < piece.size();) {
      if (piece.compare(pos, kMetaspace.size(), kMetaspace) == 0) {
        out += ' ';
        pos += kMetaspace.size();
      } else {
        out += piece[pos++];
      }
    }
  }
  if (t.mode == Impl::Mode::SentencePiece &&
      (t.prependAlways || t.prependFirst) && !out.empty() && out[0] == ' ')
    out.erase(0, 1);
  return out;
}

int32_t HFTokenizer::vocabSize() const {
  return static_cast<int32_t>(impl->pieces.size());
}
int32_t HFTokenizer::bosId() const { return impl->bos; }
int32_t HFTokenizer::eosId() const { return impl->eos; }
const std::string &HFTokenizer::piece(int32_t id) const {
  return impl->pieces[id];
}

} // namespace ost::runtime
