//===- GGUFReader.h - GGUF v2/v3 container reader ---------------*- C++ -*-===//
//
// Reads the header of a GGUF file in place: the file is mapped once, and
// strings, arrays and tensor data stay views into the mapping. Every count,
// length and offset is checked against the file before it is used, so a
// truncated or hostile file gives an error naming the file and the key or
// tensor at fault, never a read outside the mapping.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_FORMATS_FILES_GGUFREADER_H
#define LLMQ_FORMATS_FILES_GGUFREADER_H

#include "formats/files/GGUF.h"
#include "formats/files/MappedFile.h"

#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringRef.h"
#include "llvm/Support/Endian.h"
#include "llvm/Support/Error.h"

#include <cstdint>
#include <memory>
#include <optional>
#include <vector>

namespace llmq {

/// The name of a GGUF value type ("uint32", "array"), for diagnostics.
llvm::StringRef ggufValueTypeName(GGUFValueType type);

/// Block size of a ggml tensor type: `blockBytes` bytes hold `blockElems`
/// elements.
struct GGMLTypeSize {
  uint32_t blockElems;
  uint32_t blockBytes;
};
/// The block size of ggml type id `ggmlType`, or nullopt for an id ggml does
/// not (or no longer) define.
std::optional<GGMLTypeSize> getGGMLTypeSize(uint32_t ggmlType);

/// A read-only view of a GGUF array of fixed-size numbers, in place in the
/// mapping. GGUF does not align arrays, so elements are read one at a time
/// (little-endian) rather than handed out as a `T *`.
template <typename T> class GGUFArrayRef {
public:
  GGUFArrayRef() = default;
  GGUFArrayRef(const uint8_t *data, size_t count) : data(data), count(count) {}

  size_t size() const { return count; }
  bool empty() const { return count == 0; }
  T operator[](size_t index) const {
    return llvm::support::endian::read<T, llvm::endianness::little>(
        data + index * sizeof(T));
  }
  /// The elements, copied.
  std::vector<T> vec() const {
    std::vector<T> out(count);
    for (size_t i = 0; i < count; ++i)
      out[i] = (*this)[i];
    return out;
  }

private:
  const uint8_t *data = nullptr;
  size_t count = 0;
};

/// One metadata value. Scalars are decoded; strings and arrays point into
/// the mapping of the GGUFFile that owns the value.
class GGUFValue {
public:
  GGUFValueType getType() const { return type; }

  bool isArray() const { return type == GGUFValueType::Array; }
  bool isString() const { return type == GGUFValueType::String; }
  bool isInteger() const;
  bool isFloat() const {
    return type == GGUFValueType::Float32 || type == GGUFValueType::Float64;
  }

  /// The value of an integer scalar that fits in the result type.
  std::optional<uint64_t> getUInt() const;
  std::optional<int64_t> getInt() const;
  /// The value of a Float32 or Float64 scalar.
  std::optional<double> getFloat() const;
  std::optional<bool> getBool() const;
  std::optional<llvm::StringRef> getString() const;

  /// Array accessors: the element type and count of an array value.
  GGUFValueType getElementType() const { return elementType; }
  size_t size() const { return count; }
  /// The elements of an array of strings, pointing into the mapping.
  llvm::ArrayRef<llvm::StringRef> getStrings() const { return strings; }
  /// The elements of an array of arrays.
  llvm::ArrayRef<GGUFValue> getArrays() const { return arrays; }
  /// The elements of an array of fixed-size numbers (or bools) of type T,
  /// which must match the element type in size.
  template <typename T> GGUFArrayRef<T> getNumbers() const {
    return GGUFArrayRef<T>(numbers, numbers ? count : 0);
  }
  /// Element `index` of an array of integers, converted; nullopt when the
  /// array holds something else or the value does not fit.
  std::optional<int64_t> getIntElement(size_t index) const;
  /// Element `index` of an array of Float32 or Float64.
  std::optional<double> getFloatElement(size_t index) const;

private:
  friend class GGUFParser;

  GGUFValueType type = GGUFValueType::UInt8;
  union {
    uint64_t u;
    int64_t i;
    double f;
  } scalar = {0};
  llvm::StringRef string;

  GGUFValueType elementType = GGUFValueType::UInt8;
  size_t count = 0;
  const uint8_t *numbers = nullptr;     ///< array of numbers: in the mapping
  std::vector<llvm::StringRef> strings; ///< array of strings
  std::vector<GGUFValue> arrays;        ///< array of arrays
};

struct GGUFKeyValue {
  llvm::StringRef key;
  GGUFValue value;
  /// The value's bytes as the file encodes them (after the type), so a
  /// writer can carry the pair through unchanged.
  llvm::ArrayRef<uint8_t> encoded;
};

struct GGUFTensorInfo {
  llvm::StringRef name;
  /// Dimensions in ggml order: ne[0] is the contiguous one.
  llvm::SmallVector<int64_t, 4> ne;
  uint32_t ggmlType;
  uint64_t offset; ///< absolute byte offset of the data in the file
  uint64_t size;   ///< bytes of data

  int64_t numElements() const;
};

/// A GGUF file, parsed and validated, with its mapping.
class GGUFFile {
public:
  /// Maps `path` and parses its header and tensor infos. Errors name the
  /// file and, where there is one, the key or tensor.
  static llvm::Expected<std::unique_ptr<GGUFFile>> open(llvm::StringRef path);

  llvm::StringRef path() const { return file->path(); }
  const MappedFile &getMappedFile() const { return *file; }
  uint32_t getVersion() const { return version; }
  uint64_t getAlignment() const { return alignment; }
  /// Absolute offset of the data section.
  uint64_t getDataOffset() const { return dataOffset; }

  /// Metadata in file order.
  llvm::ArrayRef<GGUFKeyValue> keyValues() const { return kvs; }
  /// The value of `key`, or null.
  const GGUFValue *lookup(llvm::StringRef key) const;

  /// Typed getters: nullopt when the key is missing or has another type.
  std::optional<uint64_t> getUInt(llvm::StringRef key) const;
  std::optional<int64_t> getInt(llvm::StringRef key) const;
  std::optional<double> getFloat(llvm::StringRef key) const;
  std::optional<bool> getBool(llvm::StringRef key) const;
  std::optional<llvm::StringRef> getString(llvm::StringRef key) const;
  /// Arrays of strings, Float32 and Int32 elements.
  std::optional<llvm::ArrayRef<llvm::StringRef>>
  getStringArray(llvm::StringRef key) const;
  std::optional<GGUFArrayRef<float>> getFloatArray(llvm::StringRef key) const;
  std::optional<GGUFArrayRef<int32_t>> getInt32Array(llvm::StringRef key) const;

  llvm::ArrayRef<GGUFTensorInfo> tensors() const { return tensorInfos; }
  /// The tensor named `name`, or null.
  const GGUFTensorInfo *findTensor(llvm::StringRef name) const;
  /// The bytes of `tensor`, a view into the mapping.
  llvm::ArrayRef<uint8_t> tensorData(const GGUFTensorInfo &tensor) const {
    return file->bytes(tensor.offset, tensor.size);
  }

private:
  friend class GGUFParser;
  explicit GGUFFile(std::unique_ptr<MappedFile> file) : file(std::move(file)) {}

  std::unique_ptr<MappedFile> file;
  uint32_t version = 0;
  uint64_t alignment = kGGUFDefaultAlignment;
  uint64_t dataOffset = 0;
  std::vector<GGUFKeyValue> kvs;
  llvm::StringMap<size_t> kvIndex;
  std::vector<GGUFTensorInfo> tensorInfos;
  llvm::StringMap<size_t> tensorIndex;
};

} // namespace llmq

#endif // LLMQ_FORMATS_FILES_GGUFREADER_H
