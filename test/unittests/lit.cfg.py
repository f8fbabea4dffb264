# -*- Python -*-
# Runs the GoogleTest binaries built under unittests/ as lit tests.
import os

import lit.formats

config.name = "llmq-unit"
config.suffixes = []
config.test_exec_root = os.path.join(config.llmq_obj_root, "test", "unittests")
config.test_source_root = config.test_exec_root
config.test_format = lit.formats.GoogleTest(".", "Tests")
# Tests find ../shared and the repo's models through these.
config.environment["LLMQ_SRC_ROOT"] = config.llmq_src_root
config.environment["LLMQ_SHARED_DIR"] = os.path.join(os.path.dirname(config.llmq_src_root), "shared")
