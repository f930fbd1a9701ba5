"""Independent references that ost's results are checked against (ONNX Runtime, the torch
model, transformers)."""
