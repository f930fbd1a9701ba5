//===- QSURReport.cpp - QSUR of several model variants, as JSON -----------===//
//
// Part of the ost project: OSTQuant as an MLIR compiler.
//
//===----------------------------------------------------------------------===//

#include "ost/Analysis/QSURReport.h"

#include "llvm/Support/Format.h"

#include <cmath>
#include <functional>
#include <type_traits>

using namespace mlir;
using namespace mlir::ost;

static std::string describe(const QSURSite &site) {
  return "layer " + std::to_string(site.layer) + " site '" + site.name +
         "' (dim " + std::to_string(site.dim) + ")";
}

llvm::Error QSURReport::addVariant(StringRef name, StringRef description,
                                   std::vector<QSURSiteStats> newStats) {
  auto fail = [&](const llvm::Twine &why) {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   "variant '" + name + "' " + why);
  };
  if (llvm::is_contained(variants, name))
    return fail("is given twice");
  if (variants.empty()) {
    for (const QSURSiteStats &s : newStats)
      sites.push_back(s.site);
  } else {
    // Reorder to the first variant's sites; both lists must be the same set.
    std::vector<QSURSiteStats> ordered;
    for (const QSURSite &site : sites) {
      auto it = llvm::find_if(newStats, [&](const QSURSiteStats &s) {
        return s.site.layer == site.layer && s.site.name == site.name;
      });
      if (it == newStats.end())
        return fail("has no " + describe(site) + " as '" + variants.front() +
                    "' has: its sites do not match");
      if (it->site.dim != site.dim)
        return fail("has " + describe(it->site) + " but '" + variants.front() +
                    "' has " + describe(site));
      ordered.push_back(std::move(*it));
    }
    if (newStats.size() != sites.size()) {
      for (const QSURSiteStats &s : newStats)
        if (!llvm::any_of(sites, [&](const QSURSite &site) {
              return s.site.layer == site.layer && s.site.name == site.name;
            }))
          return fail("has " + describe(s.site) + " that '" + variants.front() +
                      "' does not have");
      return fail("has duplicate sites");
    }
    newStats = std::move(ordered);
  }
  variants.push_back(name.str());
  descriptions.push_back(description.str());
  stats.push_back(std::move(newStats));
  return llvm::Error::success();
}

/// A JSON number, or null for a missing or non-finite value.
static llvm::json::Value number(std::optional<double> v) {
  if (!v || !std::isfinite(*v))
    return nullptr;
  return *v;
}

llvm::json::Value QSURReport::toJSON() const {
  using llvm::json::Array;
  using llvm::json::Object;
  using Getter = std::function<llvm::json::Value(const QSURSiteStats &)>;
  using Result = std::optional<QSURResult> QSURSiteStats::*;
  // A QSURResult field of one of a site's results (null when absent).
  auto resultField = [](Result which, auto QSURResult::*field) -> Getter {
    return [=](const QSURSiteStats &s) -> llvm::json::Value {
      const std::optional<QSURResult> &r = s.*which;
      if (!r)
        return nullptr;
      if constexpr (std::is_same_v<std::decay_t<decltype((*r).*field)>,
                                   double>)
        return number((*r).*field);
      else
        return (*r).*field;
    };
  };
  const Result act = &QSURSiteStats::activation,
               withMean = &QSURSiteStats::activationWithMean,
               weight = &QSURSiteStats::weight;
  // One object {variant: value} per quantity.
  const std::pair<const char *, Getter> fields[] = {
      {"log_qsur", resultField(act, &QSURResult::logQsur)},
      {"log_qsur_per_dim", resultField(act, &QSURResult::logQsurPerDim)},
      {"log_qsur_with_mean", resultField(withMean, &QSURResult::logQsur)},
      {"log_qsur_with_mean_per_dim",
       resultField(withMean, &QSURResult::logQsurPerDim)},
      {"weight_log_qsur", resultField(weight, &QSURResult::logQsur)},
      {"weight_log_qsur_per_dim",
       resultField(weight, &QSURResult::logQsurPerDim)},
      {"max_eigenvalue", resultField(act, &QSURResult::maxEigenvalue)},
      {"max_diagonal", resultField(act, &QSURResult::maxDiagonal)},
      {"clamped_eigenvalues",
       resultField(act, &QSURResult::clampedEigenvalues)},
      {"weight_clamped_eigenvalues",
       resultField(weight, &QSURResult::clampedEigenvalues)},
      {"weight_rows",
       [&](const QSURSiteStats &s) -> llvm::json::Value {
         return s.weightRows;
       }},
      {"channel_absmax", [&](const QSURSiteStats &s) -> llvm::json::Value {
         Array values;
         for (double v : s.channelAbsMax)
           values.push_back(v);
         return values;
       }}};

  Array siteArray;
  for (auto [i, site] : llvm::enumerate(sites)) {
    Object o{{"layer", site.layer},
             {"site", site.name},
             {"dim", site.dim},
             {"samples", stats.front()[i].samples},
             {"log_qsur_bound_per_dim",
              number(logBallToCubeRatio(site.dim) / site.dim)}};
    for (const auto &[key, get] : fields) {
      Object perVariant;
      for (auto [v, name] : llvm::enumerate(variants))
        perVariant[name] = get(stats[v][i]);
      o[key] = std::move(perVariant);
    }
    Object errors;
    for (auto [v, name] : llvm::enumerate(variants))
      if (!stats[v][i].error.empty())
        errors[name] = stats[v][i].error;
    if (!errors.empty())
      o["errors"] = std::move(errors);
    siteArray.push_back(std::move(o));
  }
  Object pipelines;
  for (auto [name, description] : llvm::zip(variants, descriptions))
    pipelines[name] = description;
  Array variantArray;
  for (const std::string &name : variants)
    variantArray.push_back(name);
  return Object{{"model", model},
                {"tokens", tokens},
                {"windows", windows},
                {"variants", std::move(variantArray)},
                {"pipelines", std::move(pipelines)},
                {"sites", std::move(siteArray)}};
}

void QSURReport::printTable(llvm::raw_ostream &os) const {
  // `mark` flags values computed from a singular covariance.
  using Getter =
      std::function<std::optional<double>(const QSURSiteStats &, bool &mark)>;
  auto section = [&](StringRef title, Getter get) {
    os << title << "\n"
       << llvm::format("%6s  %-8s %5s %9s", "layer", "site", "dim", "bound");
    for (const std::string &name : variants)
      os << llvm::format(" %12s", name.c_str());
    os << "\n";
    bool anyMarked = false;
    for (auto [i, site] : llvm::enumerate(sites)) {
      os << llvm::format("%6lld  %-8s %5lld %9.4f",
                         static_cast<long long>(site.layer), site.name.c_str(),
                         static_cast<long long>(site.dim),
                         logBallToCubeRatio(site.dim) / site.dim);
      for (size_t v = 0; v < variants.size(); ++v) {
        bool mark = false;
        std::optional<double> value = get(stats[v][i], mark);
        anyMarked |= mark;
        if (value && std::isfinite(*value))
          os << llvm::format(" %11.4f%c", *value, mark ? '*' : ' ');
        else
          os << llvm::format(" %11s ", "-");
      }
      os << "\n";
    }
    if (anyMarked)
      os << "* singular covariance (too few distinct samples for the "
            "dimension): its zero eigenvalues are clamped to the floor, which "
            "dominates the value\n";
  };
  section("activation log QSUR per dimension (log QSUR / d; higher is "
          "better, at most the bound log C_d / d)",
          [](const QSURSiteStats &s, bool &mark) -> std::optional<double> {
            if (!s.activation)
              return std::nullopt;
            mark = s.activation->clampedEigenvalues > 0;
            return s.activation->logQsurPerDim;
          });
  os << "\n";
  section("weight log QSUR per dimension (rows of the weights as samples)",
          [](const QSURSiteStats &s, bool &mark) -> std::optional<double> {
            if (!s.weight)
              return std::nullopt;
            mark = s.weight->clampedEigenvalues > 0;
            return s.weight->logQsurPerDim;
          });
}
