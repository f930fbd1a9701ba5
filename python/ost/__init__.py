"""ost's Python tools. Run with Debian's /usr/bin/python3 and PYTHONPATH=python.

ost.export.llama2c    llama2.c checkpoint -> ONNX (HF-LLaMA-equivalent export)
ost.export.synthetic  deterministic synthetic LLaMA models -> ONNX
ost.plots.qsur        `ost-run qsur` report -> QSUR figures (matplotlib)
"""
