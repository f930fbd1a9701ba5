"""Plots of ost's analysis reports (matplotlib, Agg backend).

ost.plots.qsur   `ost-run qsur` JSON report -> per-layer QSUR bars and
                 per-channel activation magnitudes (docs/QSUR.md)
"""
