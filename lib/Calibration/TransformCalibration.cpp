//===- TransformCalibration.cpp - learn transform pairs on text -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Calibration/TransformCalibration.h"

#include "CalibrationCheckpoint.h"
#include "ParameterSet.h"

#include "ost/Dialect/OST/Transforms/Passes.h"
#include "ost/Executor/Executor.h"
#include "ost/Optim/Optimizers.h"
#include "ost/Support/Interrupt.h"

#include "mlir/Pass/PassManager.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Format.h"
#include "llvm/Support/FormatVariadic.h"
#include "llvm/Support/raw_ostream.h"

#include <chrono>
#include <cmath>

using namespace mlir;
using namespace mlir::ost;

namespace {

/// The settings that change the trajectory, as text: a checkpoint only
/// resumes a run with the same ones.
std::string fingerprint(const TransformCalibrationOptions &o,
                        size_t numBlocks) {
  return llvm::formatv(
      "steps={0} batch={1} seq-len={2} seed={3} loss={4} top-k={5} "
      "optimizer={6} rotation-lr={7} scale-lr={8} schedule={9} "
      "max-grad-norm={10} stabilize={11} tie-blocks={12} blocks={13}",
      o.steps, o.batchSize, o.data.seqLen, o.seed,
      static_cast<int>(o.loss.kind), o.loss.topK,
      static_cast<int>(o.rotationOptimizer),
      llvm::format("%.17g", o.rotationLr), llvm::format("%.17g", o.scaleLr),
      static_cast<int>(o.schedule), o.maxGradNorm, o.stabilize, o.tieBlocks,
      numBlocks);
}

/// The blocks of step `step`: a fresh shuffle of all blocks per epoch, so
/// the batch depends only on (seed, step).
class BatchSampler {
public:
  BatchSampler(size_t numBlocks, uint64_t seed)
      : numBlocks(numBlocks), seed(seed) {}

  std::vector<size_t> batch(int64_t step, int64_t batchSize) {
    std::vector<size_t> ids;
    for (int64_t b = 0; b < batchSize; ++b) {
      uint64_t i = static_cast<uint64_t>(step * batchSize + b);
      uint64_t epoch = i / numBlocks;
      if (epoch != cachedEpoch || order.empty())
        shuffle(epoch);
      ids.push_back(order[i % numBlocks]);
    }
    return ids;
  }

private:
  void shuffle(uint64_t epoch) {
    order = shuffledOrder(numBlocks, seed, "epoch-" + std::to_string(epoch));
    cachedEpoch = epoch;
  }

  size_t numBlocks;
  uint64_t seed;
  uint64_t cachedEpoch = ~uint64_t(0);
  std::vector<size_t> order;
};

double learningRate(const TransformCalibrationOptions &o, double base,
                    int64_t step) {
  switch (o.schedule) {
  case LearningRateSchedule::Linear:
    return ::ost::optim::linearDecay(base, step, o.steps);
  case LearningRateSchedule::Cosine:
    return ::ost::optim::cosineDecay(base, step, o.steps);
  case LearningRateSchedule::Constant:
    return base;
  }
  return base;
}

/// The teacher: the module without fake quantizers, transforms folded.
FailureOr<OwningOpRef<ModuleOp>> buildTeacher(ModuleOp module) {
  OwningOpRef<ModuleOp> teacher(cast<ModuleOp>(module->clone()));
  PassManager pm(module.getContext());
  pm.addPass(createOSTStripFakeQuantPass());
  pm.addPass(createOSTFoldTransformsPass());
  if (failed(pm.run(*teacher)))
    return emitError(module.getLoc())
           << "calibration: cannot build the float teacher (strip fake "
              "quantizers, fold transforms)";
  return teacher;
}

/// The optimizer-side view of a gradient: only block 0 of a tied block
/// rotation carries the (summed) gradient.
void tieGradients(LearnableParameter &p) {
  int64_t size = p.blockSize * p.blockSize;
  for (int64_t b = 1; b < p.blocks; ++b)
    for (int64_t i = 0; i < size; ++i) {
      p.grad[i] += p.grad[b * size + i];
      p.grad[b * size + i] = 0.0;
    }
}

void copyFirstBlock(LearnableParameter &p) {
  int64_t size = p.blockSize * p.blockSize;
  for (int64_t b = 1; b < p.blocks; ++b)
    std::copy(p.value.begin(), p.value.begin() + size,
              p.value.begin() + b * size);
}

/// Saved parameters and optimizer states (the last good ones).
struct Snapshot {
  std::vector<std::vector<double>> values;
  std::vector<std::vector<::ost::optim::OptimizerState>> states;

  void take(const ParameterSet &set) {
    values.clear();
    states.clear();
    for (const LearnableParameter &p : set.getParameters()) {
      values.push_back(p.value);
      states.push_back(p.states);
    }
  }
  void restore(ParameterSet &set) const {
    for (auto [i, p] : llvm::enumerate(set.getParameters())) {
      p.value = values[i];
      p.states = states[i];
    }
  }
};

class Calibrator {
public:
  Calibrator(ModuleOp module, StringRef function,
             const TransformCalibrationOptions &options)
      : module(module), function(function), options(options) {}

  FailureOr<TransformCalibrationReport> run();

private:
  LogicalResult step(int64_t stepIndex, double &loss, double &gradNorm);
  LogicalResult applyUpdate(int64_t stepIndex);
  LogicalResult checkpoint(int64_t nextStep);
  void printProgress(int64_t stepIndex, double loss, double gradNorm);

  ModuleOp module;
  StringRef function;
  const TransformCalibrationOptions &options;
  ParameterSet params;
  std::vector<TokenBlock> blocks;
  std::string settings;
  std::unique_ptr<Executor> student, teacher;
  OwningOpRef<ModuleOp> teacherModule;
  std::unique_ptr<BatchSampler> sampler;
  CheckpointProgress progress;
  std::chrono::steady_clock::time_point start;
  int64_t stepsThisRun = 0;
};

FailureOr<TransformCalibrationReport> Calibrator::run() {
  Location loc = module.getLoc();
  if (options.steps < 0 || options.batchSize <= 0)
    return emitError(loc) << "calibration: steps must be >= 0 and batch > 0";
  FailureOr<ParameterSet> collected = ParameterSet::collect(module);
  if (failed(collected))
    return failure();
  params = std::move(*collected);
  llvm::Expected<std::vector<TokenBlock>> data =
      loadCalibrationBlocks(options.data);
  if (!data)
    return emitError(loc) << "calibration: "
                          << llvm::toString(data.takeError());
  blocks = std::move(*data);
  settings = fingerprint(options, blocks.size());
  sampler = std::make_unique<BatchSampler>(blocks.size(), options.seed);

  if (options.tieBlocks)
    for (LearnableParameter &p : params.getParameters())
      if (p.kind == LearnableParameter::Kind::BlockRotation)
        copyFirstBlock(p);
  if (options.resume && !options.checkpointPath.empty() &&
      llvm::sys::fs::exists(options.checkpointPath)) {
    llvm::Expected<CheckpointProgress> loaded =
        loadCheckpoint(options.checkpointPath, params, settings,
                       options.rotationOptimizer ==
                           RotationOptimizer::RiemannianAdam);
    if (!loaded)
      return emitError(loc) << "calibration: "
                            << llvm::toString(loaded.takeError());
    progress = *loaded;
    if (options.progress)
      llvm::errs() << "calibration: resuming at step " << progress.nextStep
                   << " from " << options.checkpointPath << "\n";
  }

  ExecutorOptions execOptions;
  execOptions.numThreads = options.numThreads;
  student = std::make_unique<Executor>(module, execOptions);
  if (options.loss.kind != ::ost::optim::LossKind::CrossEntropy) {
    FailureOr<OwningOpRef<ModuleOp>> t = buildTeacher(module);
    if (failed(t))
      return failure();
    teacherModule = std::move(*t);
    teacher = std::make_unique<Executor>(*teacherModule, execOptions);
  }

  TransformCalibrationReport report;
  report.firstStep = progress.nextStep;
  start = std::chrono::steady_clock::now();
  Snapshot lastGood;
  InterruptScope interrupts("calibration", "after this step");
  for (int64_t s = progress.nextStep; s < options.steps; ++s) {
    double loss = 0.0, gradNorm = 0.0;
    if (failed(step(s, loss, gradNorm)))
      return failure();
    if (s == 0)
      progress.firstLoss = loss;
    bool bad = !std::isfinite(loss) || !std::isfinite(gradNorm) ||
               (progress.firstLoss > 0.0 &&
                loss > options.divergenceFactor * progress.firstLoss);
    if (bad) {
      // The parameters of this step are bad; the previous ones gave a good
      // loss (or are the initial values).
      if (s > report.firstStep)
        lastGood.restore(params);
      params.writeBack();
      std::string where;
      if (!options.checkpointPath.empty()) {
        if (llvm::Error e =
                saveCheckpoint(options.checkpointPath, params,
                               {std::max<int64_t>(s - 1, 0), progress.firstLoss},
                               settings))
          where = " (saving them failed: " + llvm::toString(std::move(e)) + ")";
        else
          where = " (also saved to " + options.checkpointPath + ")";
      }
      return emitError(loc)
             << "calibration diverged at step " << s << ": loss "
             << llvm::formatv("{0}", loss).str() << ", gradient norm "
             << llvm::formatv("{0}", gradNorm).str()
             << (std::isfinite(loss) ? " exceeds the divergence limit"
                                     : " is not finite")
             << "; kept the parameters of step " << std::max<int64_t>(s - 1, 0)
             << where << ". Lower the learning rates or check the data.";
    }
    if (report.stepsRun == 0)
      report.firstLoss = loss;
    report.lastLoss = loss;
    lastGood.take(params);
    if (failed(applyUpdate(s)))
      return failure();
    ++report.stepsRun;
    ++stepsThisRun;
    printProgress(s, loss, gradNorm);
    bool last = s + 1 == options.steps;
    bool interrupted = interrupts.signal() != 0 && !last;
    if (!options.checkpointPath.empty() &&
        (last || interrupted ||
         (options.checkpointEvery > 0 &&
          (s + 1) % options.checkpointEvery == 0)))
      if (failed(checkpoint(s + 1)))
        return failure();
    if (interrupted) {
      params.writeBack();
      std::string name = interrupts.signalName().str();
      if (options.checkpointPath.empty())
        return emitError(loc)
               << "calibration interrupted (" << name << ") after step "
               << s + 1 << " of " << options.steps
               << "; nothing was saved: give a checkpoint to keep the "
                  "progress of an interrupted run";
      return emitError(loc)
             << "calibration interrupted (" << name << ") after step " << s + 1
             << " of " << options.steps << "; checkpoint saved to "
             << options.checkpointPath
             << ": run again with resume to continue from step " << s + 1;
    }
  }
  params.writeBack();
  report.seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  return report;
}

LogicalResult Calibrator::step(int64_t stepIndex, double &loss,
                               double &gradNorm) {
  int64_t batch = options.batchSize, len = options.data.seqLen;
  std::vector<size_t> ids = sampler->batch(stepIndex, batch);
  Tensor tokens({batch, len}, DType::I64);
  std::vector<int32_t> labels(batch * len, -1);
  for (int64_t b = 0; b < batch; ++b) {
    const TokenBlock &block = blocks[ids[b]];
    for (int64_t t = 0; t < len; ++t) {
      tokens.setInt(b * len + t, block[t]);
      if (t + 1 < len)
        labels[b * len + t] = block[t + 1];
    }
  }
  for (LearnableParameter &p : params.getParameters())
    if (failed(student->setParameter(p.name, p.toTensor())))
      return failure();

  Tensor teacherLogits;
  if (teacher) {
    FailureOr<SmallVector<Tensor>> out = teacher->run(function, {tokens});
    if (failed(out))
      return failure();
    teacherLogits = std::move((*out)[0]);
  }
  FailureOr<SmallVector<Tensor>> out = student->runRecorded(function, {tokens});
  if (failed(out))
    return failure();
  Tensor &logits = (*out)[0];
  if (logits.getRank() != 3 || logits.getDimSize(0) != batch ||
      logits.getDimSize(1) != len)
    return emitError(module.getLoc())
           << "calibration: '" << function << "' must return logits [batch, "
           << "seq, vocab], got " << logits.getShapeString();
  int64_t vocab = logits.getDimSize(2);
  Tensor grad = Tensor::uninitialized(logits.getShape());
  loss = ::ost::optim::computeLoss(logits.getFloatData(),
                            teacher ? teacherLogits.getFloatData() : nullptr,
                            labels.data(), batch * len, vocab, options.loss,
                            grad.getFloatData());
  if (!std::isfinite(loss)) {
    gradNorm = NAN;
    return success();
  }
  FailureOr<Gradients> grads = student->backward({grad});
  if (failed(grads))
    return failure();
  std::vector<llvm::MutableArrayRef<double>> slices;
  for (LearnableParameter &p : params.getParameters()) {
    std::fill(p.grad.begin(), p.grad.end(), 0.0);
    auto it = grads->parameters.find(p.name);
    if (it != grads->parameters.end()) {
      llvm::ArrayRef<float> g = it->second.getFloats();
      std::copy(g.begin(), g.end(), p.grad.begin());
    }
    bool tied = options.tieBlocks &&
                p.kind == LearnableParameter::Kind::BlockRotation;
    if (tied) {
      tieGradients(p);
      slices.emplace_back(p.grad.data(), p.blockSize * p.blockSize);
    } else {
      slices.emplace_back(p.grad);
    }
  }
  gradNorm = options.maxGradNorm > 0.0
                 ? ::ost::optim::clipGradientNorm(slices, options.maxGradNorm)
                 : ::ost::optim::clipGradientNorm(slices, INFINITY);
  return success();
}

LogicalResult Calibrator::applyUpdate(int64_t stepIndex) {
  double rotLr = learningRate(options, options.rotationLr, stepIndex);
  double scaleLr = learningRate(options, options.scaleLr, stepIndex);
  ::ost::optim::AdamConfig adam;
  adam.stabilize = options.stabilize;
  ::ost::optim::CayleySGDConfig cayley;
  cayley.seed = options.seed;
  for (auto [index, p] : llvm::enumerate(params.getParameters())) {
    if (!p.isRotation()) {
      ::ost::optim::adamStep(p.value, p.grad, p.states[0], adam, scaleLr);
      continue;
    }
    bool tied = options.tieBlocks &&
                p.kind == LearnableParameter::Kind::BlockRotation;
    int64_t size = p.blockSize * p.blockSize;
    int64_t updated = tied ? 1 : p.blocks;
    for (int64_t b = 0; b < updated; ++b) {
      llvm::MutableArrayRef<double> x(p.value.data() + b * size, size);
      llvm::ArrayRef<double> g(p.grad.data() + b * size, size);
      if (options.rotationOptimizer == RotationOptimizer::RiemannianAdam)
        ::ost::optim::riemannianAdamStep(x, g, p.blockSize, p.states[b], adam, rotLr);
      else
        ::ost::optim::cayleySGDStep(x, g, p.blockSize, p.states[b], cayley, rotLr,
                             index * 65536 + b);
    }
    if (tied)
      copyFirstBlock(p);
  }
  return success();
}

LogicalResult Calibrator::checkpoint(int64_t nextStep) {
  progress.nextStep = nextStep;
  if (llvm::Error e = saveCheckpoint(options.checkpointPath, params, progress,
                                     settings))
    return emitError(module.getLoc())
           << "calibration: " << llvm::toString(std::move(e));
  return success();
}

void Calibrator::printProgress(int64_t stepIndex, double loss,
                               double gradNorm) {
  if (!options.progress)
    return;
  bool tty = llvm::errs().is_displayed();
  int64_t every = std::max<int64_t>(1, options.steps / 20);
  bool last = stepIndex + 1 == options.steps;
  if (!tty && !last && (stepIndex + 1) % every != 0)
    return;
  double secs = std::chrono::duration<double>(
                    std::chrono::steady_clock::now() - start)
                    .count();
  double perStep = secs / std::max<int64_t>(stepsThisRun, 1);
  double eta = perStep * static_cast<double>(options.steps - stepIndex - 1);
  int width = 24;
  int filled = static_cast<int>(width * (stepIndex + 1) / options.steps);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  llvm::errs() << llvm::format(
      "%scalibrate [%s] %lld/%lld  loss %.6f  |g| %.4f  %.2f s/step  ETA %.0f s%s",
      tty ? "\r" : "", bar.c_str(), static_cast<long long>(stepIndex + 1),
      static_cast<long long>(options.steps), loss, gradNorm, perStep, eta,
      tty && !last ? "" : "\n");
}

} // namespace

FailureOr<TransformCalibrationReport>
mlir::ost::calibrateTransforms(ModuleOp module, StringRef function,
                               const TransformCalibrationOptions &options) {
  Calibrator calibrator(module, function, options);
  return calibrator.run();
}
