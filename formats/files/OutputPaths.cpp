//===- OutputPaths.cpp - What an output may not replace -------------------===//

#include "formats/files/OutputPaths.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <mutex>
#include <string>
#include <vector>

using namespace llmq;
namespace fs = llvm::sys::fs;
using llvm::StringRef;
using llvm::Twine;

namespace {
struct ProtectedInput {
  std::string path, role;
};

/// The inputs of this run. Outputs may be created from several threads (the
/// NPU exporter writes its ranks in parallel), hence the lock.
struct ProtectedInputs {
  std::mutex lock;
  std::vector<ProtectedInput> inputs;
  llvm::StringSet<> seen;
};
} // namespace

static ProtectedInputs &protectedInputs() {
  static ProtectedInputs registry;
  return registry;
}

static llvm::Error outputError(const Twine &message) {
  return llvm::createStringError(llvm::inconvertibleErrorCode(), message);
}

void llmq::protectInput(StringRef path, StringRef role) {
  if (path.empty() || path == "-")
    return;
  ProtectedInputs &registry = protectedInputs();
  std::lock_guard<std::mutex> guard(registry.lock);
  if (!registry.seen.insert(path).second)
    return;
  registry.inputs.push_back({path.str(), role.str()});
}

void llmq::clearProtectedInputs() {
  ProtectedInputs &registry = protectedInputs();
  std::lock_guard<std::mutex> guard(registry.lock);
  registry.inputs.clear();
  registry.seen.clear();
}

static std::vector<ProtectedInput> snapshot() {
  ProtectedInputs &registry = protectedInputs();
  std::lock_guard<std::mutex> guard(registry.lock);
  return registry.inputs;
}

/// " (ROLE 'PATH')", the input an output collides with.
static std::string describe(const ProtectedInput &input) {
  return " (" + input.role + " '" + input.path + "')";
}

/// Whether `dir` (an existing directory, by its status) is `path` or one of
/// the directories above it, after resolving symlinks.
static bool isOrContains(const fs::file_status &dir, StringRef path) {
  llvm::SmallString<256> real;
  if (fs::real_path(path, real))
    return false;
  for (StringRef p = real; !p.empty(); p = llvm::sys::path::parent_path(p)) {
    fs::file_status status;
    if (!fs::status(p, status) && fs::equivalent(dir, status))
      return true;
    if (p == llvm::sys::path::root_path(p))
      break;
  }
  return false;
}

llvm::Error llmq::checkOutputFile(StringRef path) {
  if (path == "-")
    return llvm::Error::success();
  fs::file_status status;
  if (fs::status(path, status))
    return llvm::Error::success(); // a new file replaces nothing
  if (fs::is_directory(status))
    return outputError(path + ": is a directory; expected a file name");
  for (const ProtectedInput &input : snapshot()) {
    fs::file_status other;
    if (!fs::status(input.path, other) && fs::equivalent(status, other))
      return outputError(path + ": is an input of this run" +
                         describe(input) + "; refusing to overwrite it");
  }
  return llvm::Error::success();
}

llvm::Error llmq::checkOutputDirectory(StringRef path, bool replaceExisting) {
  if (path.empty() || path == "-")
    return outputError("-o: expected a directory to write, not '" + path +
                       "'");
  fs::file_status status;
  if (fs::status(path, status))
    return llvm::Error::success(); // a new directory replaces nothing
  for (const ProtectedInput &input : snapshot()) {
    fs::file_status other;
    if (!fs::status(input.path, other) && fs::equivalent(status, other))
      return outputError(path + ": is an input of this run" +
                         describe(input) + "; refusing to replace it");
    if (fs::is_directory(status) && isOrContains(status, input.path))
      return outputError(path + ": contains an input of this run" +
                         describe(input) + "; refusing to replace it");
  }
  if (!fs::is_directory(status))
    return outputError(path + ": exists and is not a directory");
  if (!replaceExisting)
    return outputError(path + ": already exists; pass --force to replace it");
  return llvm::Error::success();
}
