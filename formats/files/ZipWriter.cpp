//===- ZipWriter.cpp - Deterministic streamed zip of a folder -------------===//
//
// Record layouts follow PKWARE's APPNOTE.TXT 6.3: 4.3.7 (local file header),
// 4.3.12 (central directory header), 4.3.14-4.3.16 (ZIP64 end of central
// directory record and locator, end of central directory record), 4.5.3
// (the ZIP64 extended information extra field, tag 0x0001).
//
//===----------------------------------------------------------------------===//

#include "formats/files/ZipWriter.h"

#include "formats/CheckedArith.h"
#include "formats/files/AtomicOutputFile.h"
#include "formats/files/Progress.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/Support/CRC.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/Path.h"

#include <algorithm>
#include <optional>
#include <string>
#include <vector>

using namespace llmq;
namespace fs = llvm::sys::fs;

namespace {
/// One member of the archive.
struct ZipEntry {
  std::string name;     ///< archive path, '/'-separated, folders end in '/'
  std::string diskPath; ///< the file or folder it comes from
  bool isFolder = false;
  uint64_t size = 0;
  // Filled in while writing.
  uint64_t localOffset = 0;
  uint32_t crc = 0;
};

constexpr uint32_t kLocalHeaderSignature = 0x04034b50;
constexpr uint32_t kCentralHeaderSignature = 0x02014b50;
constexpr uint32_t kZip64EndSignature = 0x06064b50;
constexpr uint32_t kZip64LocatorSignature = 0x07064b50;
constexpr uint32_t kEndSignature = 0x06054b50;
constexpr uint16_t kZip64ExtraTag = 0x0001;
/// "Version made by": high byte 3 = Unix (so readers honour the mode bits in
/// the external attributes), low byte 45 = APPNOTE 4.5 (ZIP64).
constexpr uint16_t kMadeBy = (3 << 8) | 45;
constexpr uint16_t kVersionPlain = 20;
constexpr uint16_t kVersionZip64 = 45;
/// General purpose flag bit 11: the name is UTF-8 (set for non-ASCII names).
constexpr uint16_t kFlagUtf8 = 1 << 11;
constexpr uint16_t kMethodStored = 0;
/// MS-DOS time 00:00:00 and date 1980-01-01 ((year - 1980) << 9 | month << 5
/// | day): the earliest a DOS date can say, the same for every entry.
constexpr uint16_t kDosTime = 0;
constexpr uint16_t kDosDate = (0 << 9) | (1 << 5) | 1;
/// External attributes: the Unix mode in the high 16 bits; folders also
/// carry the MS-DOS directory bit.
constexpr uint32_t kFileAttributes = uint32_t(0100644) << 16;
constexpr uint32_t kFolderAttributes = (uint32_t(040755) << 16) | 0x10;
constexpr uint32_t kMax32 = 0xFFFFFFFFu;
constexpr uint16_t kMax16 = 0xFFFFu;

/// Little-endian fields appended to a header being built.
class Fields {
public:
  void u16(uint16_t v) {
    for (int i = 0; i < 2; ++i)
      bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void u32(uint32_t v) {
    for (int i = 0; i < 4; ++i)
      bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void u64(uint64_t v) {
    for (int i = 0; i < 8; ++i)
      bytes.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  }
  void text(llvm::StringRef s) { bytes.append(s.begin(), s.end()); }
  llvm::StringRef str() const { return {bytes.data(), bytes.size()}; }

private:
  llvm::SmallVector<char, 256> bytes;
};

bool isAscii(llvm::StringRef s) {
  return llvm::all_of(
      s, [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

/// Collects the folders and regular files under `diskDir` (archive names
/// under `prefix`, which ends in '/'), without following links.
llvm::Error collect(llvm::StringRef diskDir, const std::string &prefix,
                    std::vector<ZipEntry> &entries) {
  std::error_code ec;
  for (fs::directory_iterator it(diskDir, ec, /*follow_symlinks=*/false), end;
       it != end && !ec; it.increment(ec)) {
    std::string path = it->path();
    std::string leaf = llvm::sys::path::filename(path).str();
    fs::file_status status;
    if (std::error_code sec = fs::status(path, status, /*Follow=*/false))
      return llvm::createStringError(sec, "%s: cannot read: %s", path.c_str(),
                                     sec.message().c_str());
    ZipEntry entry;
    entry.diskPath = path;
    if (status.type() == fs::file_type::directory_file) {
      entry.name = prefix + leaf + "/";
      entry.isFolder = true;
      std::string name = entry.name;
      entries.push_back(std::move(entry));
      if (llvm::Error err = collect(path, name, entries))
        return err;
      continue;
    }
    if (status.type() != fs::file_type::regular_file)
      return llvm::createStringError(
          std::errc::invalid_argument,
          "%s: not a regular file or a folder (a zip holds only those; links "
          "are not followed)",
          path.c_str());
    entry.name = prefix + leaf;
    entry.size = status.getSize();
    entries.push_back(std::move(entry));
  }
  if (ec)
    return llvm::createStringError(ec, "%s: cannot read: %s",
                                   diskDir.str().c_str(), ec.message().c_str());
  return llvm::Error::success();
}

/// Whether `path`'s folder is `dir` or lies inside it (both resolved).
bool isInside(llvm::StringRef path, llvm::StringRef dir) {
  llvm::SmallString<256> realDir, realParent;
  llvm::SmallString<256> parent(path);
  llvm::sys::path::remove_filename(parent);
  if (parent.empty())
    parent = ".";
  if (fs::real_path(dir, realDir) || fs::real_path(parent, realParent))
    return false;
  llvm::StringRef p = realParent, d = realDir;
  return p == d || (p.starts_with(d) && p.size() > d.size() &&
                    (d.ends_with("/") || p[d.size()] == '/'));
}

class ZipEmitter {
public:
  ZipEmitter(llvm::raw_pwrite_stream &os, const ZipWriterOptions &options,
             ZipWriterSummary &summary)
      : os(os), options(options), summary(summary) {}

  llvm::Error writeEntry(ZipEntry &entry, std::vector<char> &buffer);
  void writeCentralDirectory(llvm::ArrayRef<ZipEntry> entries);

private:
  bool sizeNeedsZip64(const ZipEntry &e) const {
    return e.size >= options.zip64Threshold;
  }
  bool offsetNeedsZip64(const ZipEntry &e) const {
    return e.localOffset >= options.zip64Threshold;
  }
  void emit(llvm::StringRef bytes) {
    os << bytes;
    offset += bytes.size();
  }

  llvm::raw_pwrite_stream &os;
  const ZipWriterOptions &options;
  ZipWriterSummary &summary;
  uint64_t offset = 0;
};
} // namespace

llvm::Error ZipEmitter::writeEntry(ZipEntry &entry, std::vector<char> &buffer) {
  entry.localOffset = offset;
  bool zip64Sizes = sizeNeedsZip64(entry);
  if (zip64Sizes || offsetNeedsZip64(entry))
    ++summary.zip64Entries;
  Fields h;
  h.u32(kLocalHeaderSignature);
  h.u16(zip64Sizes || offsetNeedsZip64(entry) ? kVersionZip64 : kVersionPlain);
  h.u16(isAscii(entry.name) ? 0 : kFlagUtf8);
  h.u16(kMethodStored);
  h.u16(kDosTime);
  h.u16(kDosDate);
  h.u32(0); // CRC-32, patched once the contents have been read
  // Stored: compressed size == uncompressed size.
  h.u32(zip64Sizes ? kMax32 : static_cast<uint32_t>(entry.size));
  h.u32(zip64Sizes ? kMax32 : static_cast<uint32_t>(entry.size));
  h.u16(static_cast<uint16_t>(entry.name.size()));
  h.u16(zip64Sizes ? 20 : 0);
  h.text(entry.name);
  if (zip64Sizes) {
    // In a local header the ZIP64 field holds both sizes (APPNOTE 4.5.3).
    h.u16(kZip64ExtraTag);
    h.u16(16);
    h.u64(entry.size);
    h.u64(entry.size);
  }
  uint64_t crcOffset = entry.localOffset + 14;
  emit(h.str());
  if (entry.isFolder)
    return llvm::Error::success();

  llvm::Expected<fs::file_t> file = fs::openNativeFileForRead(entry.diskPath);
  if (!file) {
    std::error_code ec = llvm::errorToErrorCode(file.takeError());
    return llvm::createStringError(ec, "%s: cannot read: %s",
                                   entry.diskPath.c_str(),
                                   ec.message().c_str());
  }
  llvm::scope_exit closeFile([&] { fs::closeFile(*file); });
  uint32_t crc = 0;
  uint64_t remaining = entry.size;
  while (true) {
    // One read past the expected end proves the file did not grow.
    size_t want = static_cast<size_t>(
        std::min<uint64_t>(remaining ? remaining : 1, buffer.size()));
    llvm::Expected<size_t> got = fs::readNativeFile(
        *file, llvm::MutableArrayRef<char>(buffer.data(), want));
    if (!got) {
      std::error_code ec = llvm::errorToErrorCode(got.takeError());
      return llvm::createStringError(ec, "%s: cannot read: %s",
                                     entry.diskPath.c_str(),
                                     ec.message().c_str());
    }
    if (remaining == 0) {
      if (*got != 0)
        return llvm::createStringError(
            std::errc::io_error,
            "%s: grew while being zipped (expected %llu bytes)",
            entry.diskPath.c_str(), (unsigned long long)entry.size);
      break;
    }
    if (*got == 0)
      return llvm::createStringError(
          std::errc::io_error,
          "%s: shrank while being zipped (expected %llu bytes, read %llu)",
          entry.diskPath.c_str(), (unsigned long long)entry.size,
          (unsigned long long)(entry.size - remaining));
    llvm::StringRef chunk(buffer.data(), *got);
    crc = llvm::crc32(crc, llvm::ArrayRef<uint8_t>(
                               reinterpret_cast<const uint8_t *>(chunk.data()),
                               chunk.size()));
    emit(chunk);
    remaining -= *got;
  }
  entry.crc = crc;
  char crcBytes[4];
  for (int i = 0; i < 4; ++i)
    crcBytes[i] = static_cast<char>((crc >> (8 * i)) & 0xff);
  os.pwrite(crcBytes, sizeof(crcBytes), crcOffset);
  return llvm::Error::success();
}

void ZipEmitter::writeCentralDirectory(llvm::ArrayRef<ZipEntry> entries) {
  uint64_t centralOffset = offset;
  for (const ZipEntry &e : entries) {
    bool zip64Sizes = sizeNeedsZip64(e), zip64Offset = offsetNeedsZip64(e);
    // The ZIP64 field holds exactly the values whose 32-bit fields say
    // 0xFFFFFFFF, in this order.
    uint16_t extra = (zip64Sizes ? 16 : 0) + (zip64Offset ? 8 : 0);
    Fields h;
    h.u32(kCentralHeaderSignature);
    h.u16(kMadeBy);
    h.u16(zip64Sizes || zip64Offset ? kVersionZip64 : kVersionPlain);
    h.u16(isAscii(e.name) ? 0 : kFlagUtf8);
    h.u16(kMethodStored);
    h.u16(kDosTime);
    h.u16(kDosDate);
    h.u32(e.crc);
    h.u32(zip64Sizes ? kMax32 : static_cast<uint32_t>(e.size));
    h.u32(zip64Sizes ? kMax32 : static_cast<uint32_t>(e.size));
    h.u16(static_cast<uint16_t>(e.name.size()));
    h.u16(extra ? extra + 4 : 0);
    h.u16(0); // comment length
    h.u16(0); // disk number start
    h.u16(0); // internal attributes
    h.u32(e.isFolder ? kFolderAttributes : kFileAttributes);
    h.u32(zip64Offset ? kMax32 : static_cast<uint32_t>(e.localOffset));
    h.text(e.name);
    if (extra) {
      h.u16(kZip64ExtraTag);
      h.u16(extra);
      if (zip64Sizes) {
        h.u64(e.size);
        h.u64(e.size);
      }
      if (zip64Offset)
        h.u64(e.localOffset);
    }
    emit(h.str());
  }
  uint64_t centralSize = offset - centralOffset;
  uint64_t count = entries.size();
  bool manyEntries = count >= options.zip64EntryCount;
  bool bigSize = centralSize >= options.zip64Threshold;
  bool bigOffset = centralOffset >= options.zip64Threshold;
  if (manyEntries || bigSize || bigOffset) {
    summary.zip64End = true;
    uint64_t zip64EndOffset = offset;
    Fields z;
    z.u32(kZip64EndSignature);
    z.u64(44); // size of the rest of this record
    z.u16(kMadeBy);
    z.u16(kVersionZip64);
    z.u32(0); // this disk
    z.u32(0); // disk with the central directory
    z.u64(count);
    z.u64(count);
    z.u64(centralSize);
    z.u64(centralOffset);
    z.u32(kZip64LocatorSignature);
    z.u32(0); // disk with the ZIP64 end record
    z.u64(zip64EndOffset);
    z.u32(1); // total disks
    emit(z.str());
  }
  Fields end;
  end.u32(kEndSignature);
  end.u16(0);
  end.u16(0);
  end.u16(manyEntries ? kMax16 : static_cast<uint16_t>(count));
  end.u16(manyEntries ? kMax16 : static_cast<uint16_t>(count));
  end.u32(bigSize ? kMax32 : static_cast<uint32_t>(centralSize));
  end.u32(bigOffset ? kMax32 : static_cast<uint32_t>(centralOffset));
  end.u16(0); // comment length
  emit(end.str());
}

llvm::Error llmq::writeZipOfDirectory(llvm::StringRef dir,
                                      llvm::StringRef topFolder,
                                      llvm::StringRef zipPath,
                                      const ZipWriterOptions &options,
                                      ZipWriterSummary *summaryOut) {
  if (topFolder.empty() || topFolder == "." || topFolder == ".." ||
      topFolder.contains('/') || topFolder.contains('\\'))
    return llvm::createStringError(
        std::errc::invalid_argument,
        "%s: the top folder '%s' must be one path component",
        zipPath.str().c_str(), topFolder.str().c_str());
  if (options.zip64Threshold == 0 || options.zip64Threshold > kMax32 ||
      options.zip64EntryCount == 0 || options.zip64EntryCount > kMax16 ||
      options.chunkBytes == 0)
    return llvm::createStringError(std::errc::invalid_argument,
                                   "%s: invalid zip writer options",
                                   zipPath.str().c_str());
  if (!fs::is_directory(dir))
    return llvm::createStringError(std::errc::not_a_directory,
                                   "%s: not a folder", dir.str().c_str());
  if (zipPath == "-")
    return llvm::createStringError(
        std::errc::invalid_argument,
        "-: a zip is written to a file (its headers are completed in place)");
  if (isInside(zipPath, dir))
    return llvm::createStringError(
        std::errc::invalid_argument,
        "%s: lies inside the folder it archives, '%s'", zipPath.str().c_str(),
        dir.str().c_str());

  std::vector<ZipEntry> entries;
  ZipEntry top;
  top.name = topFolder.str() + "/";
  top.diskPath = dir.str();
  top.isFolder = true;
  entries.push_back(top);
  if (llvm::Error err = collect(dir, top.name, entries))
    return err;
  // Bytewise order of archive paths: independent of the file system's
  // listing order and of the locale.
  llvm::sort(entries, [](const ZipEntry &a, const ZipEntry &b) {
    return a.name < b.name;
  });
  // Every offset the headers hold stays below this bound: each entry's
  // contents plus at most its two headers with their ZIP64 fields.
  std::optional<uint64_t> archiveBound = 0;
  for (const ZipEntry &e : entries) {
    if (archiveBound)
      archiveBound = checkedAdd(*archiveBound, e.size);
    if (archiveBound)
      archiveBound = checkedAdd(*archiveBound, 2 * e.name.size() + 128);
  }
  if (!archiveBound)
    return llvm::createStringError(
        std::errc::file_too_large,
        "%s: the files under '%s' hold more bytes than a zip can address",
        zipPath.str().c_str(), dir.str().c_str());
  for (const ZipEntry &e : entries)
    if (e.name.size() > kMax16)
      return llvm::createStringError(
          std::errc::filename_too_long,
          "%s: its archive name is %zu bytes, more than a zip allows (65535)",
          e.diskPath.c_str(), e.name.size());

  llvm::Expected<std::unique_ptr<AtomicOutputFile>> out =
      AtomicOutputFile::create(zipPath);
  if (!out)
    return out.takeError();
  // A pipe cannot be written back into: the CRC patch fails and commit()
  // reports the write error.
  llvm::raw_pwrite_stream &os = (*out)->os();

  ZipWriterSummary summary;
  summary.entries = entries.size();
  ZipEmitter emitter(os, options, summary);
  std::vector<char> buffer(
      static_cast<size_t>(std::min<uint64_t>(options.chunkBytes, 64u << 20)));
  Progress progress("zip", entries.size());
  for (size_t i = 0; i < entries.size(); ++i) {
    progress.step(i, entries[i].name);
    if (llvm::Error err = emitter.writeEntry(entries[i], buffer))
      return err;
  }
  emitter.writeCentralDirectory(entries);
  if (llvm::Error err = (*out)->commit())
    return err;
  if (summaryOut)
    *summaryOut = summary;
  return llvm::Error::success();
}
