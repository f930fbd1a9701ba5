"""ost's Python tools. Run them with the project interpreter, `scripts/python.sh` (the
virtualenv of scripts/install-deps.sh, python/ on PYTHONPATH). One command per task:

ost.export.llama2c          llama2.c checkpoint -> ONNX (HF-LLaMA-equivalent export)
ost.export.synthetic        deterministic synthetic LLaMA models -> ONNX
ost.export.hf               Hugging Face directory or GGUF file -> ONNX (+ tokenizer.json)
                            (all three: --kv-cache also writes the KV-cache graph)
ost.models.llama2c          header and tensor shapes of a llama2.c checkpoint
ost.reference.ort_run       an ONNX model run with ONNX Runtime (the independent reference)
ost.reference.ort_compare   ONNX Runtime vs the torch model on an exported graph
ost.reference.perplexity    reference perplexity: --onnx (ONNX Runtime / transformers) or
                            --llama2c/--synthetic (ost's torch model, story protocol)
ost.reference.generate      greedy generation with the torch model
ost.plots.qsur              `ost-run qsur` report -> QSUR figures (matplotlib)

Libraries: ost.models (llama2.c reader, numpy and torch LLaMA, tokenizer.bin,
the story-perplexity protocol), ost.export.torch_onnx (torch module -> ONNX).
"""
