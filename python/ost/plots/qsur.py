"""Plot an `ost-run qsur` report (docs/QSUR.md).

    scripts/python.sh -m ost.plots.qsur report.json --out-dir DIR \\
        [--site 0:qkv] [--quantity log_qsur_per_dim]

Writes two PNG files:

  DIR/qsur_layers.png    one panel per site kind (qkv, o, upgate, down, head):
                         the chosen per-dimension log QSUR for every layer,
                         one bar per variant (higher = better use of the grid)
  DIR/qsur_channels.png  max |x| per input channel of one site (default layer
                         0 qkv, else the first), one panel per variant on a
                         shared scale, as in Figure 1 of the OSTQuant paper

Needs matplotlib (the project virtualenv, scripts/install-deps.sh); runs headless (Agg).
"""

import argparse
import json
import os
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

QUANTITIES = ("log_qsur_per_dim", "weight_log_qsur_per_dim",
              "log_qsur_with_mean_per_dim")


class ReportError(Exception):
    """A report that cannot be plotted; the message names the problem."""


def load_report(path):
    """Reads and checks the parts of the report the plots use."""
    try:
        with open(path) as f:
            report = json.load(f)
    except OSError as e:
        raise ReportError("cannot read %s: %s" % (path, e.strerror))
    except json.JSONDecodeError as e:
        raise ReportError("%s is not valid JSON: %s" % (path, e))
    if not isinstance(report, dict):
        raise ReportError("%s: expected a JSON object at the top level" % path)
    for key in ("variants", "sites"):
        if not isinstance(report.get(key), list):
            raise ReportError("%s: missing or malformed '%s' (a JSON array)" %
                              (path, key))
    variants = report["variants"]
    if not variants or not all(isinstance(v, str) for v in variants):
        raise ReportError("%s: 'variants' must be a non-empty list of names" % path)
    if not report["sites"]:
        raise ReportError("%s: the report has no sites" % path)
    for i, site in enumerate(report["sites"]):
        where = "%s: site #%d" % (path, i)
        if not isinstance(site, dict):
            raise ReportError(where + " is not an object")
        for key in ("layer", "site", "dim"):
            if key not in site:
                raise ReportError("%s has no '%s'" % (where, key))
        for key in QUANTITIES + ("channel_absmax",):
            values = site.get(key)
            if values is None:
                continue
            if not isinstance(values, dict) or set(values) != set(variants):
                raise ReportError("%s (layer %s %s): '%s' must map every variant "
                                  "%s to a value" % (where, site["layer"],
                                                     site["site"], key, variants))
    return report


def site_label(site):
    return "head" if site["layer"] < 0 else "layer %d %s" % (site["layer"], site["site"])


def plot_layers(report, quantity, path):
    """Grouped bars: one panel per site kind, layers on x, a bar per variant."""
    variants = report["variants"]
    kinds = []
    for site in report["sites"]:
        if site["site"] not in kinds:
            kinds.append(site["site"])
    fig, axes = plt.subplots(1, len(kinds), figsize=(3.2 * len(kinds) + 1, 3.6),
                             squeeze=False, sharey=True)
    width = 0.8 / len(variants)
    for ax, kind in zip(axes[0], kinds):
        sites = [s for s in report["sites"] if s["site"] == kind]
        for v, name in enumerate(variants):
            xs, ys = [], []
            for i, s in enumerate(sites):
                value = s.get(quantity, {}).get(name)
                if value is not None:
                    xs.append(i + (v - (len(variants) - 1) / 2) * width)
                    ys.append(value)
            ax.bar(xs, ys, width, label=name, color="C%d" % v)
        ax.set_xlim(-0.75, len(sites) - 0.25)
        ax.set_xticks(range(len(sites)))
        ax.set_xticklabels(["head" if s["layer"] < 0 else str(s["layer"]) for s in sites])
        ax.set_title("%s (d=%d)" % (kind, sites[0]["dim"]))
        ax.set_xlabel("layer")
        ax.axhline(0, color="black", linewidth=0.5)
        ax.grid(axis="y", alpha=0.3)
    axes[0][0].set_ylabel(quantity.replace("_", " "))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="center right", fontsize="small")
    fig.suptitle("QSUR per dimension of %s (%s tokens)" %
                 (os.path.basename(str(report.get("model", "?"))),
                  report.get("tokens", "?")))
    fig.tight_layout(rect=(0, 0, 1 - 0.9 / fig.get_figwidth(), 1))
    fig.savefig(path, dpi=120)
    plt.close(fig)


def find_site(report, spec):
    """The site named by "LAYER:SITE" (e.g. 0:qkv, -1:head)."""
    layer, _, name = spec.partition(":")
    try:
        layer = int(layer)
    except ValueError:
        raise ReportError("--site must be LAYER:SITE (e.g. 0:qkv), got '%s'" % spec)
    for site in report["sites"]:
        if site["layer"] == layer and site["site"] == name:
            return site
    known = ", ".join("%d:%s" % (s["layer"], s["site"]) for s in report["sites"])
    raise ReportError("no site %s in the report; it has %s" % (spec, known))


def plot_channels(report, site, path):
    """max |x| per channel of one site, a panel per variant, shared y scale."""
    variants = report["variants"]
    absmax = site.get("channel_absmax")
    if absmax is None:
        raise ReportError("site %s has no channel_absmax" % site_label(site))
    for name in variants:
        if len(absmax[name]) != site["dim"]:
            raise ReportError("site %s: channel_absmax of '%s' has %d values, dim is %d"
                              % (site_label(site), name, len(absmax[name]), site["dim"]))
    top = max(max(absmax[name]) for name in variants) * 1.05 or 1.0
    fig, axes = plt.subplots(1, len(variants), figsize=(3.6 * len(variants), 3.2),
                             squeeze=False, sharey=True)
    per_dim = site.get("log_qsur_per_dim", {})
    for v, (ax, name) in enumerate(zip(axes[0], variants)):
        ax.bar(range(site["dim"]), absmax[name], width=1.0, color="C%d" % v)
        title = name
        if per_dim.get(name) is not None:
            title += "  (log QSUR/d %.3f)" % per_dim[name]
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("channel")
        ax.set_xlim(-0.5, site["dim"] - 0.5)
        ax.set_ylim(0, top)
    axes[0][0].set_ylabel("max |x|")
    fig.suptitle("per-channel activation magnitude, %s input" % site_label(site))
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv=None):
    ap = argparse.ArgumentParser(prog="scripts/python.sh -m ost.plots.qsur", description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("report", help="JSON report of `ost-run qsur`")
    ap.add_argument("--out-dir", required=True, help="where the PNG files go")
    ap.add_argument("--site", default=None,
                    help="LAYER:SITE of the channel plot (default 0:qkv, or the "
                         "first site if there is none; the head: --site=-1:head)")
    ap.add_argument("--quantity", default="log_qsur_per_dim", choices=QUANTITIES,
                    help="what the layer plot shows (default log_qsur_per_dim)")
    args = ap.parse_args(argv)
    try:
        report = load_report(args.report)
        if args.site is None:
            defaults = [s for s in report["sites"] if s["layer"] == 0 and s["site"] == "qkv"]
            site = (defaults or report["sites"])[0]
        else:
            site = find_site(report, args.site)
        os.makedirs(args.out_dir, exist_ok=True)
        layers = os.path.join(args.out_dir, "qsur_layers.png")
        channels = os.path.join(args.out_dir, "qsur_channels.png")
        plot_layers(report, args.quantity, layers)
        plot_channels(report, site, channels)
    except ReportError as e:
        print("error: %s" % e, file=sys.stderr)
        return 1
    print("wrote %s" % layers)
    print("wrote %s" % channels)
    return 0


if __name__ == "__main__":
    sys.exit(main())
