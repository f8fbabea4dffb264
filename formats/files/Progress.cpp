//===- Progress.cpp - Progress lines for long streaming work --------------===//

#include "formats/files/Progress.h"

#include "llvm/Support/Process.h"
#include "llvm/Support/raw_ostream.h"

using namespace llmq;

Progress::Progress(llvm::StringRef title, uint64_t total)
    : title(title), total(total),
      enabled(llvm::sys::Process::StandardErrIsDisplayed()) {}

Progress::~Progress() {
  if (enabled)
    llvm::errs() << "\r\033[K";
}

void Progress::step(uint64_t index, llvm::StringRef what) {
  if (!enabled)
    return;
  llvm::errs() << "\r\033[K" << title << " [" << (index + 1) << "/" << total
               << "] " << what;
  llvm::errs().flush();
}
