//===- safetensors-fuzzer.cpp - libFuzzer target for safetensors headers --===//
//
// Feeds arbitrary bytes to readSafetensorsHeader (through a memfd), with and
// without the group-format dtypes, and checks what it accepts: every tensor
// lies inside the file's data section, and its byte size is exactly its
// element count (computed here with overflow checks) times its dtype's size,
// no two tensors share bytes, and no tensor name appears twice in the header
// (where the last one would silently win).
// A header the reader accepts against these rules is reported as a crash.
//
// Built and run by scripts/fuzz.sh safetensors.
//
//===----------------------------------------------------------------------===//

#include "formats/files/Safetensors.h"
#include "test/fuzz/FuzzUtil.h"

#include "llvm/ADT/StringSwitch.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>
#include <set>
#include <string>
#include <utility>
#include <vector>

using namespace llmq;
using namespace llmq::fuzz;

static uint64_t dtypeBytes(llvm::StringRef name) {
  return llvm::StringSwitch<uint64_t>(name)
      .Cases({"F32", "I32"}, 4)
      .Cases({"F16", "BF16"}, 2)
      .Cases({"F8_E4M3", "I8", "U8"}, 1)
      .Default(0);
}

static void check(const SafetensorsHeader &header, uint64_t fileSize) {
  LLMQ_FUZZ_CHECK(header.fileSize == fileSize, "file size");
  for (const auto &entry : header.tensors) {
    const SafetensorsTensor &t = entry.getValue();
    uint64_t end;
    LLMQ_FUZZ_CHECK(!__builtin_add_overflow(t.offset, t.size, &end) &&
                        end <= fileSize && t.offset >= 8,
                    "tensor outside the file");
    uint64_t bytes = dtypeBytes(t.dtypeName);
    LLMQ_FUZZ_CHECK(bytes != 0, "unknown dtype accepted");
    for (int64_t d : t.shape) {
      LLMQ_FUZZ_CHECK(d >= 0, "negative dimension accepted");
      LLMQ_FUZZ_CHECK(!__builtin_mul_overflow(bytes, uint64_t(d), &bytes),
                      "tensor byte size overflows 64 bits but was accepted");
    }
    LLMQ_FUZZ_CHECK(bytes == t.size, "tensor size differs from its shape");
  }
  std::vector<std::pair<uint64_t, uint64_t>> extents;
  for (const auto &entry : header.tensors)
    if (entry.getValue().size)
      extents.emplace_back(entry.getValue().offset, entry.getValue().size);
  std::sort(extents.begin(), extents.end());
  for (size_t i = 1; i < extents.size(); ++i)
    LLMQ_FUZZ_CHECK(extents[i - 1].first + extents[i - 1].second <=
                        extents[i].first,
                    "two tensors overlap");
}

/// Whether the header's top-level object names a key twice.
static bool hasDuplicateKey(const uint8_t *data, size_t size) {
  uint64_t length;
  memcpy(&length, data, 8); // little-endian hosts only, as the reader
  std::set<std::string> keys;
  bool duplicate = false;
  nlohmann::json::parse(
      data + 8, data + 8 + length,
      [&](int depth, nlohmann::json::parse_event_t event,
          nlohmann::json &parsed) {
        if (event == nlohmann::json::parse_event_t::key && depth == 1 &&
            !keys.insert(parsed.get<std::string>()).second)
          duplicate = true;
        return true;
      },
      false);
  return duplicate;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  MemFile file(data, size);
  if (!file.ok())
    return 0;
  for (bool anyDType : {false, true}) {
    auto header = readSafetensorsHeader(file.getPath(), anyDType);
    if (header) {
      check(*header, size);
      LLMQ_FUZZ_CHECK(!hasDuplicateKey(data, size),
                      "a header naming a tensor twice was accepted");
    }
    else
      llvm::consumeError(header.takeError());
  }
  return 0;
}
