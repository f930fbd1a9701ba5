"""Checks the structure of an `ost-run qsur` JSON report (docs/QSUR.md).

Usage: check_qsur_report.py REPORT [--variants a,b] [--tokens N] [--windows W]
           [--same SITE,...] [--differ SITE,...]

Prints one line per site ("layer L SITE dim D") and "OK", or "FAIL: ..." lines
and exits 1. --same / --differ name sites whose activation log QSUR must be
equal (within 1e-6 per dimension) / different across all variants.
"""

import argparse
import json
import math
import sys

PER_VARIANT = ["log_qsur", "log_qsur_per_dim", "log_qsur_with_mean",
               "log_qsur_with_mean_per_dim", "weight_log_qsur",
               "weight_log_qsur_per_dim", "channel_absmax", "max_eigenvalue",
               "clamped_eigenvalues"]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("report")
    p.add_argument("--variants", default="")
    p.add_argument("--tokens", type=int)
    p.add_argument("--windows", type=int)
    p.add_argument("--same", default="")
    p.add_argument("--differ", default="")
    a = p.parse_args()
    with open(a.report) as f:
        r = json.load(f)
    fails = []

    def check(cond, msg):
        if not cond:
            fails.append(msg)

    for key in ["model", "tokens", "windows", "variants", "sites"]:
        check(key in r, "missing key '%s'" % key)
    if fails:
        print("\n".join("FAIL: " + f for f in fails))
        return 1
    variants = r["variants"]
    if a.variants:
        check(variants == a.variants.split(","), "variants %s" % variants)
    if a.tokens is not None:
        check(r["tokens"] == a.tokens, "tokens %s" % r["tokens"])
    if a.windows is not None:
        check(r["windows"] == a.windows, "windows %s" % r["windows"])
    same = set(filter(None, a.same.split(",")))
    differ = set(filter(None, a.differ.split(",")))
    for s in r["sites"]:
        name = "layer %s %s" % (s["layer"], s["site"])
        print("%s dim %d" % (name, s["dim"]))
        check(s["samples"] == r["tokens"], name + ": samples != tokens")
        for key in PER_VARIANT:
            check(sorted(s.get(key, {})) == sorted(variants),
                  "%s: %s is not keyed by the variants" % (name, key))
        for v in variants:
            lq, per = s["log_qsur"][v], s["log_qsur_per_dim"][v]
            check(isinstance(lq, float) and math.isfinite(lq) and lq < 0,
                  "%s %s: log_qsur %s" % (name, v, lq))
            check(abs(lq / s["dim"] - per) < 1e-9,
                  "%s %s: log_qsur_per_dim != log_qsur / dim" % (name, v))
            check(len(s["channel_absmax"][v]) == s["dim"],
                  "%s %s: channel_absmax has %d values" %
                  (name, v, len(s["channel_absmax"][v])))
            check(all(x >= 0 for x in s["channel_absmax"][v]),
                  "%s %s: negative channel_absmax" % (name, v))
        values = [s["log_qsur_per_dim"][v] for v in variants]
        spread = max(values) - min(values)
        if s["site"] in same:
            check(spread < 1e-6, "%s: variants differ by %g" % (name, spread))
        if s["site"] in differ:
            check(spread > 1e-4, "%s: variants agree (%g)" % (name, spread))
    if fails:
        print("\n".join("FAIL: " + f for f in fails))
        return 1
    print("OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
