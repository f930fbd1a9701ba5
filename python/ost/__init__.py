"""ost's Python tools. Run them with the project interpreter, `scripts/python.sh` (the
virtualenv of scripts/install-deps.sh, python/ on PYTHONPATH).

ost.export.llama2c    llama2.c checkpoint -> ONNX (HF-LLaMA-equivalent export)
ost.export.synthetic  deterministic synthetic LLaMA models -> ONNX
ost.plots.qsur        `ost-run qsur` report -> QSUR figures (matplotlib)
ost.reference.ort_run an ONNX model run with ONNX Runtime (the independent reference)
"""
