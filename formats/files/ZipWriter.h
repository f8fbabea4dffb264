//===- ZipWriter.h - Deterministic streamed zip of a folder -----*- C++ -*-===//
//
// Packs a directory tree into a zip archive under one top-level folder (the
// EXAONE submission format: "a zip whose only top-level entry is `model/`"),
// so that the same tree always gives the same bytes:
//
//   - entries in sorted order of their archive paths (bytewise), the folders
//     themselves included (`model/`, `model/sub/`);
//   - every entry dated 1980-01-01 00:00 (the earliest DOS date), made by
//     Unix with mode 0644 (files) or 0755 (folders) in the external
//     attributes, no extra timestamp fields, no comments;
//   - stored (method 0), not deflated: quantized and bf16 weights do not
//     compress, and a stored member can be read in place (mapped) by a
//     consumer that opens the zip without extracting it;
//   - ZIP64 records (APPNOTE 4.5) exactly where a size or an offset reaches
//     0xFFFFFFFF or the archive has 65535 entries or more (safetensors
//     shards are up to 5 GB), and nowhere else: a field equal to its
//     all-ones maximum would read as "see the ZIP64 record".
//
// Contents are streamed: each file is copied in chunks of at most
// ZipWriterOptions::chunkBytes (4 MiB), the CRC-32 computed on the way and
// patched into the local header afterwards (the output must be seekable:
// a regular file), so memory does not grow with the size of the files.
// The archive is written through AtomicOutputFile: it appears whole under
// its name or not at all.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_ZIPWRITER_H
#define LLMQ_FORMATS_FILES_ZIPWRITER_H

#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Error.h"

#include <cstdint>

namespace llmq {

struct ZipWriterOptions {
  /// Largest read of a file's contents; the only buffer that holds them.
  uint64_t chunkBytes = uint64_t(4) << 20;
  /// Sizes and offsets at or above this are written as ZIP64 fields. Only
  /// tests lower it (to exercise ZIP64 without writing 4 GiB); at most
  /// 0xFFFFFFFF.
  uint64_t zip64Threshold = 0xFFFFFFFFu;
  /// This many entries or more need a ZIP64 end of central directory. Only
  /// tests lower it; at most 0xFFFF.
  uint64_t zip64EntryCount = 0xFFFFu;
};

/// What writeZipOfDirectory wrote, for reports and tests.
struct ZipWriterSummary {
  uint64_t entries = 0;      ///< folders and files, `topFolder/` included
  uint64_t zip64Entries = 0; ///< entries that needed ZIP64 extra fields
  bool zip64End = false;     ///< whether a ZIP64 end record was written
};

/// Writes the regular files and folders under `dir` into the zip archive
/// `zipPath`, each under `topFolder`/ (one path component, such as
/// "model"). Symbolic links and special files are refused, as is a
/// `zipPath` inside `dir`. Errors name the file: "<file>: cannot read: ...".
llvm::Error writeZipOfDirectory(llvm::StringRef dir, llvm::StringRef topFolder,
                                llvm::StringRef zipPath,
                                const ZipWriterOptions &options = {},
                                ZipWriterSummary *summary = nullptr);

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_ZIPWRITER_H
