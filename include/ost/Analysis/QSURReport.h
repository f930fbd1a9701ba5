//===- QSURReport.h - QSUR of several model variants, as JSON ---*- C++ -*-===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
// Collects the per-site statistics of each variant (QSURAnalysis.h), checks
// that every variant has the sites of the first, and writes them as JSON
// (schema in docs/QSUR.md) and as a text table.
//
//===----------------------------------------------------------------------===//

#ifndef OST_ANALYSIS_QSURREPORT_H
#define OST_ANALYSIS_QSURREPORT_H

#include "ost/Analysis/QSURAnalysis.h"

#include "llvm/Support/Error.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/raw_ostream.h"

#include <string>
#include <vector>

namespace mlir::ost {

class QSURReport {
public:
  QSURReport(std::string model, int64_t tokens, int64_t windows)
      : model(std::move(model)), tokens(tokens), windows(windows) {}

  /// Adds one variant's statistics. The first variant fixes the sites; a
  /// later one must have the same (layer, name, dim) sites (in any order),
  /// otherwise this fails naming the variant and the first difference.
  llvm::Error addVariant(StringRef name, StringRef description,
                         std::vector<QSURSiteStats> stats);

  /// The report as a JSON object (docs/QSUR.md).
  llvm::json::Value toJSON() const;

  /// One row per site, one column per variant: log QSUR / d of the
  /// activations, then of the weights.
  void printTable(llvm::raw_ostream &os) const;

  ArrayRef<std::string> getVariants() const { return variants; }

private:
  std::string model;
  int64_t tokens, windows;
  std::vector<std::string> variants, descriptions;
  /// The first variant's sites; stats[v][s] belongs to sites[s].
  std::vector<QSURSite> sites;
  std::vector<std::vector<QSURSiteStats>> stats;
};

} // namespace mlir::ost

#endif // OST_ANALYSIS_QSURREPORT_H
