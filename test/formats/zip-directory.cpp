//===- zip-directory.cpp - Runs ZipWriter from lit tests ------------------===//
//
// A test tool, not installed: `zip-directory DIR TOP OUT.zip` writes DIR's
// tree under TOP/ into OUT.zip with formats/files/ZipWriter, so lit tests
// can check the archive with other readers (Python's zipfile). Options
// lower the ZIP64 limits to exercise those records without 4 GiB files:
//   --zip64-threshold=N   sizes and offsets >= N are written as ZIP64
//   --zip64-entries=N     N entries or more need a ZIP64 end record
//   --chunk-bytes=N       largest read of a file's contents
// Prints the entry counts, and with --peak-rss the process's peak resident
// memory in KiB (getrusage), so a test can bound it.
//
//===----------------------------------------------------------------------===//

#include "formats/files/ZipWriter.h"

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/raw_ostream.h"

#include <sys/resource.h>

int main(int argc, char **argv) {
  llmq::ZipWriterOptions options;
  bool peakRss = false;
  llvm::SmallVector<llvm::StringRef, 3> positional;
  for (int i = 1; i < argc; ++i) {
    llvm::StringRef arg = argv[i];
    uint64_t value = 0;
    if (arg == "--peak-rss")
      peakRss = true;
    else if (arg.consume_front("--zip64-threshold=") &&
             !arg.getAsInteger(10, value))
      options.zip64Threshold = value;
    else if (arg.consume_front("--zip64-entries=") &&
             !arg.getAsInteger(10, value))
      options.zip64EntryCount = value;
    else if (arg.consume_front("--chunk-bytes=") &&
             !arg.getAsInteger(10, value))
      options.chunkBytes = value;
    else if (arg.starts_with("--")) {
      llvm::errs() << "error: unknown option '" << argv[i] << "'\n";
      return 2;
    } else
      positional.push_back(arg);
  }
  if (positional.size() != 3) {
    llvm::errs() << "usage: zip-directory [options] DIR TOP OUT.zip\n";
    return 2;
  }
  llmq::ZipWriterSummary summary;
  if (llvm::Error err = llmq::writeZipOfDirectory(
          positional[0], positional[1], positional[2], options, &summary)) {
    llvm::errs() << "error: " << llvm::toString(std::move(err)) << "\n";
    return 1;
  }
  llvm::outs() << "entries: " << summary.entries
               << " zip64-members: " << summary.zip64Entries
               << " zip64-end: " << (summary.zip64End ? "yes" : "no") << "\n";
  if (peakRss) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    llvm::outs() << "peak-rss-kib: " << usage.ru_maxrss << "\n";
  }
  return 0;
}
