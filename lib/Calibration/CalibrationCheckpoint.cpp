//===- CalibrationCheckpoint.cpp - save and resume calibration ------------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "CalibrationCheckpoint.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/raw_ostream.h"

#include <cmath>
#include <cstring>

using namespace mlir;
using namespace mlir::ost;

static constexpr char kMagic[8] = {'O', 'S', 'T', 'C', 'K', 'P', 'T', '1'};

namespace {

class Writer {
public:
  explicit Writer(llvm::raw_ostream &os) : os(os) {}
  template <typename T>
  void scalar(T v) {
    os.write(reinterpret_cast<const char *>(&v), sizeof(T));
  }
  void string(StringRef s) {
    scalar<uint32_t>(s.size());
    os << s;
  }
  void doubles(ArrayRef<double> v) {
    scalar<uint64_t>(v.size());
    if (!v.empty())
      os.write(reinterpret_cast<const char *>(v.data()),
               v.size() * sizeof(double));
  }

private:
  llvm::raw_ostream &os;
};

class Reader {
public:
  explicit Reader(StringRef data) : data(data) {}
  template <typename T>
  bool scalar(T &v) {
    if (data.size() < sizeof(T))
      return false;
    std::memcpy(&v, data.data(), sizeof(T));
    data = data.drop_front(sizeof(T));
    return true;
  }
  bool string(std::string &s) {
    uint32_t n = 0;
    if (!scalar(n) || data.size() < n)
      return false;
    s = data.take_front(n).str();
    data = data.drop_front(n);
    return true;
  }
  bool doubles(std::vector<double> &v) {
    uint64_t n = 0;
    if (!scalar(n) || data.size() / sizeof(double) < n)
      return false;
    v.resize(n);
    if (n) // memcpy of an empty vector's null data() is undefined
      std::memcpy(v.data(), data.data(), n * sizeof(double));
    data = data.drop_front(n * sizeof(double));
    return true;
  }
  bool atEnd() const { return data.empty(); }

private:
  StringRef data;
};

llvm::Error fail(StringRef path, const Twine &why) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                 "checkpoint " + path + ": " + why);
}

} // namespace

llvm::Error mlir::ost::saveCheckpoint(StringRef path,
                                      const ParameterSet &params,
                                      const CheckpointProgress &progress,
                                      StringRef fingerprint) {
  std::string tmp = (path + ".tmp").str();
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(tmp, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail(path, "cannot write '" + tmp + "': " + ec.message());
    os.write(kMagic, sizeof(kMagic));
    Writer w(os);
    w.string(fingerprint);
    w.scalar<int64_t>(progress.nextStep);
    w.scalar<double>(progress.firstLoss);
    w.scalar<uint32_t>(params.getParameters().size());
    for (const LearnableParameter &p : params.getParameters()) {
      w.string(p.name);
      w.scalar<uint32_t>(p.shape.size());
      for (int64_t d : p.shape)
        w.scalar<int64_t>(d);
      w.doubles(p.value);
      w.scalar<uint32_t>(p.states.size());
      for (const ::ost::optim::OptimizerState &s : p.states) {
        w.scalar<int64_t>(s.step);
        w.doubles(s.m);
        w.doubles(s.v);
      }
    }
    os.close();
    if (os.has_error())
      return fail(path, "write error on '" + tmp + "': " +
                            os.error().message());
  }
  if (std::error_code ec = llvm::sys::fs::rename(tmp, path))
    return fail(path, "cannot rename '" + tmp + "': " + ec.message());
  return llvm::Error::success();
}

namespace {

/// Whether every value is finite.
bool allFinite(ArrayRef<double> values) {
  return llvm::all_of(values, [](double v) { return std::isfinite(v); });
}

} // namespace

llvm::Expected<CheckpointProgress>
mlir::ost::parseCheckpoint(StringRef data, StringRef path,
                           ParameterSet &params, StringRef fingerprint,
                           bool rotationSecondMoment) {
  if (data.size() < sizeof(kMagic) ||
      std::memcmp(data.data(), kMagic, sizeof(kMagic)) != 0)
    return fail(path, "not an ost calibration checkpoint (bad magic)");
  Reader r(data.drop_front(sizeof(kMagic)));
  std::string savedFingerprint;
  CheckpointProgress progress;
  uint32_t count = 0;
  if (!r.string(savedFingerprint) || !r.scalar(progress.nextStep) ||
      !r.scalar(progress.firstLoss) || !r.scalar(count))
    return fail(path, "truncated header");
  if (savedFingerprint != fingerprint)
    return fail(path, "was written with different calibration settings:\n  "
                      "checkpoint: " +
                          savedFingerprint + "\n  this run:   " + fingerprint);
  if (progress.nextStep < 0)
    return fail(path, "negative next step " + Twine(progress.nextStep));
  if (!std::isfinite(progress.firstLoss))
    return fail(path, "non-finite first loss");
  if (count != params.getParameters().size())
    return fail(path, "holds " + Twine(count) + " parameters, the module " +
                          Twine(params.getParameters().size()));
  // Everything is read and checked before any parameter changes, so a bad
  // file leaves `params` as it was.
  struct Loaded {
    std::vector<double> value;
    std::vector<::ost::optim::OptimizerState> states;
  };
  std::vector<Loaded> loaded(count);
  for (auto [p, in] : llvm::zip_equal(params.getParameters(), loaded)) {
    std::string name;
    uint32_t rank = 0;
    if (!r.string(name) || !r.scalar(rank))
      return fail(path, "truncated at parameter '" + p.name + "'");
    if (name != p.name)
      return fail(path, "expected parameter '" + p.name + "', found '" +
                            name + "'");
    if (rank != p.shape.size())
      return fail(path, "parameter '" + name + "' has rank " + Twine(rank) +
                            ", the module's " + Twine(p.shape.size()));
    SmallVector<int64_t> shape(rank);
    for (int64_t &d : shape)
      if (!r.scalar(d))
        return fail(path, "truncated shape of '" + name + "'");
    if (ArrayRef<int64_t>(shape) != ArrayRef<int64_t>(p.shape))
      return fail(path, "parameter '" + name + "' has another shape");
    uint32_t numStates = 0;
    if (!r.doubles(in.value) || in.value.size() != p.value.size() ||
        !r.scalar(numStates) || numStates != p.states.size())
      return fail(path, "bad values or optimizer states of '" + name + "'");
    if (!allFinite(in.value))
      return fail(path, "non-finite value in parameter '" + name + "'");
    in.states.resize(numStates);
    for (auto [index, s] : llvm::enumerate(in.states)) {
      if (!r.scalar(s.step) || !r.doubles(s.m) || !r.doubles(s.v))
        return fail(path, "truncated optimizer state of '" + name + "'");
      if (!allFinite(s.m) || !allFinite(s.v))
        return fail(path, "non-finite optimizer state of '" + name + "'");
      // The optimizer's own operand checks: a state it would refuse (and
      // skip the parameter for) is refused here, with the reason.
      llvm::Error bad = llvm::Error::success();
      if (p.isRotation()) {
        size_t size = static_cast<size_t>(p.blockSize * p.blockSize);
        ArrayRef<double> block(in.value.data() + index * size, size);
        bad = ::ost::optim::checkStiefelStep(block, block, p.blockSize, s,
                                             rotationSecondMoment);
      } else {
        bad = ::ost::optim::checkAdamStep(in.value, in.value, s);
      }
      if (bad)
        return fail(path, "optimizer state " + Twine(index) + " of '" + name +
                              "': " + llvm::toString(std::move(bad)));
    }
  }
  if (!r.atEnd())
    return fail(path, "trailing data");
  for (auto [p, in] : llvm::zip_equal(params.getParameters(), loaded)) {
    p.value = std::move(in.value);
    p.states = std::move(in.states);
  }
  return progress;
}

llvm::Expected<CheckpointProgress>
mlir::ost::loadCheckpoint(StringRef path, ParameterSet &params,
                          StringRef fingerprint, bool rotationSecondMoment) {
  llvm::ErrorOr<std::unique_ptr<llvm::MemoryBuffer>> buffer =
      llvm::MemoryBuffer::getFile(path, /*IsText=*/false);
  if (!buffer)
    return fail(path, "cannot read: " + buffer.getError().message());
  return parseCheckpoint((*buffer)->getBuffer(), path, params, fingerprint,
                         rotationSecondMoment);
}
