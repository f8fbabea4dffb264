//===- GGUFReader.cpp - GGUF v2/v3 container reader
//------------------------===//
//
// The parser walks the header with a cursor that refuses every read past the
// end of the file; counts are checked against the bytes left before anything
// is reserved for them, so a hostile count cannot make the reader allocate
// more than the file could describe.
//
//===----------------------------------------------------------------------===//

#include "formats/files/GGUFReader.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/bit.h"
#include "llvm/ADT/Twine.h"
#include "llvm/Support/MathExtras.h"

#include "formats/CheckedArith.h"

#include <cstring>
#include <limits>
#include <string>

using namespace llmq;
using llvm::StringRef;
using llvm::Twine;

//===----------------------------------------------------------------------===//
// Types
//===----------------------------------------------------------------------===//

StringRef llmq::ggufValueTypeName(GGUFValueType type) {
  switch (type) {
  case GGUFValueType::UInt8:
    return "uint8";
  case GGUFValueType::Int8:
    return "int8";
  case GGUFValueType::UInt16:
    return "uint16";
  case GGUFValueType::Int16:
    return "int16";
  case GGUFValueType::UInt32:
    return "uint32";
  case GGUFValueType::Int32:
    return "int32";
  case GGUFValueType::Float32:
    return "float32";
  case GGUFValueType::Bool:
    return "bool";
  case GGUFValueType::String:
    return "string";
  case GGUFValueType::Array:
    return "array";
  case GGUFValueType::UInt64:
    return "uint64";
  case GGUFValueType::Int64:
    return "int64";
  case GGUFValueType::Float64:
    return "float64";
  }
  return "unknown";
}

/// Bytes of one value of a fixed-size type, or 0 for strings and arrays.
static uint64_t fixedSize(GGUFValueType type) {
  switch (type) {
  case GGUFValueType::UInt8:
  case GGUFValueType::Int8:
  case GGUFValueType::Bool:
    return 1;
  case GGUFValueType::UInt16:
  case GGUFValueType::Int16:
    return 2;
  case GGUFValueType::UInt32:
  case GGUFValueType::Int32:
  case GGUFValueType::Float32:
    return 4;
  case GGUFValueType::UInt64:
  case GGUFValueType::Int64:
  case GGUFValueType::Float64:
    return 8;
  case GGUFValueType::String:
  case GGUFValueType::Array:
    return 0;
  }
  return 0;
}

static bool isKnownType(uint32_t type) {
  return type <= static_cast<uint32_t>(GGUFValueType::Float64);
}

static bool isIntegerType(GGUFValueType type) {
  switch (type) {
  case GGUFValueType::UInt8:
  case GGUFValueType::Int8:
  case GGUFValueType::UInt16:
  case GGUFValueType::Int16:
  case GGUFValueType::UInt32:
  case GGUFValueType::Int32:
  case GGUFValueType::UInt64:
  case GGUFValueType::Int64:
    return true;
  default:
    return false;
  }
}

static bool isSignedType(GGUFValueType type) {
  return type == GGUFValueType::Int8 || type == GGUFValueType::Int16 ||
         type == GGUFValueType::Int32 || type == GGUFValueType::Int64;
}

/// ggml's type traits, block size only, indexed by ggml type id. Zero rows
/// are ids ggml has retired (Q4_2, Q4_3, the repacked Q4_0_x_x and
/// IQ4_NL_x_x types).
static constexpr GGMLTypeSize kGGMLTypeSizes[] = {
    {1, 4},     // 0 F32
    {1, 2},     // 1 F16
    {32, 18},   // 2 Q4_0
    {32, 20},   // 3 Q4_1
    {0, 0},     // 4 (Q4_2, removed)
    {0, 0},     // 5 (Q4_3, removed)
    {32, 22},   // 6 Q5_0
    {32, 24},   // 7 Q5_1
    {32, 34},   // 8 Q8_0
    {32, 36},   // 9 Q8_1
    {256, 84},  // 10 Q2_K
    {256, 110}, // 11 Q3_K
    {256, 144}, // 12 Q4_K
    {256, 176}, // 13 Q5_K
    {256, 210}, // 14 Q6_K
    {256, 292}, // 15 Q8_K
    {256, 66},  // 16 IQ2_XXS
    {256, 74},  // 17 IQ2_XS
    {256, 98},  // 18 IQ3_XXS
    {256, 50},  // 19 IQ1_S
    {32, 18},   // 20 IQ4_NL
    {256, 110}, // 21 IQ3_S
    {256, 82},  // 22 IQ2_S
    {256, 136}, // 23 IQ4_XS
    {1, 1},     // 24 I8
    {1, 2},     // 25 I16
    {1, 4},     // 26 I32
    {1, 8},     // 27 I64
    {1, 8},     // 28 F64
    {256, 56},  // 29 IQ1_M
    {1, 2},     // 30 BF16
    {0, 0},     // 31 (Q4_0_4_4, removed)
    {0, 0},     // 32 (Q4_0_4_8, removed)
    {0, 0},     // 33 (Q4_0_8_8, removed)
    {256, 54},  // 34 TQ1_0
    {256, 66},  // 35 TQ2_0
    {0, 0},     // 36 (IQ4_NL_4_4, removed)
    {0, 0},     // 37 (IQ4_NL_4_8, removed)
    {0, 0},     // 38 (IQ4_NL_8_8, removed)
    {32, 17},   // 39 MXFP4
};

std::optional<GGMLTypeSize> llmq::getGGMLTypeSize(uint32_t ggmlType) {
  if (ggmlType >= std::size(kGGMLTypeSizes) ||
      kGGMLTypeSizes[ggmlType].blockElems == 0)
    return std::nullopt;
  return kGGMLTypeSizes[ggmlType];
}

//===----------------------------------------------------------------------===//
// GGUFValue
//===----------------------------------------------------------------------===//

bool GGUFValue::isInteger() const { return isIntegerType(type); }

std::optional<uint64_t> GGUFValue::getUInt() const {
  if (!isIntegerType(type))
    return std::nullopt;
  if (isSignedType(type))
    return scalar.i < 0 ? std::nullopt
                        : std::optional<uint64_t>(uint64_t(scalar.i));
  return scalar.u;
}

std::optional<int64_t> GGUFValue::getInt() const {
  if (!isIntegerType(type))
    return std::nullopt;
  if (isSignedType(type))
    return scalar.i;
  if (scalar.u > uint64_t(std::numeric_limits<int64_t>::max()))
    return std::nullopt;
  return int64_t(scalar.u);
}

std::optional<double> GGUFValue::getFloat() const {
  if (!isFloat())
    return std::nullopt;
  return scalar.f;
}

std::optional<bool> GGUFValue::getBool() const {
  if (type != GGUFValueType::Bool)
    return std::nullopt;
  return scalar.u != 0;
}

std::optional<StringRef> GGUFValue::getString() const {
  if (type != GGUFValueType::String)
    return std::nullopt;
  return string;
}

std::optional<int64_t> GGUFValue::getIntElement(size_t index) const {
  if (!isArray() || !numbers || index >= count)
    return std::nullopt;
  const uint8_t *p = numbers + index * fixedSize(elementType);
  using namespace llvm::support::endian;
  constexpr auto le = llvm::endianness::little;
  switch (elementType) {
  case GGUFValueType::UInt8:
    return read<uint8_t, le>(p);
  case GGUFValueType::Int8:
    return read<int8_t, le>(p);
  case GGUFValueType::UInt16:
    return read<uint16_t, le>(p);
  case GGUFValueType::Int16:
    return read<int16_t, le>(p);
  case GGUFValueType::UInt32:
    return read<uint32_t, le>(p);
  case GGUFValueType::Int32:
    return read<int32_t, le>(p);
  case GGUFValueType::Int64:
    return read<int64_t, le>(p);
  case GGUFValueType::UInt64: {
    uint64_t v = read<uint64_t, le>(p);
    if (v > uint64_t(std::numeric_limits<int64_t>::max()))
      return std::nullopt;
    return int64_t(v);
  }
  default:
    return std::nullopt;
  }
}

std::optional<double> GGUFValue::getFloatElement(size_t index) const {
  if (!isArray() || !numbers || index >= count)
    return std::nullopt;
  if (elementType == GGUFValueType::Float32)
    return getNumbers<float>()[index];
  if (elementType == GGUFValueType::Float64)
    return getNumbers<double>()[index];
  return std::nullopt;
}

int64_t GGUFTensorInfo::numElements() const {
  int64_t n = 1;
  for (int64_t d : ne)
    n *= d;
  return n;
}

//===----------------------------------------------------------------------===//
// Parser
//===----------------------------------------------------------------------===//

namespace llmq {
/// Parses the header of a mapped GGUF file into a GGUFFile.
class GGUFParser {
public:
  explicit GGUFParser(GGUFFile &out)
      : out(out), base(out.file->data()), size(out.file->size()) {}

  llvm::Error parse();

private:
  /// Arrays nested deeper than this are refused (ggml itself refuses any
  /// nesting); it bounds the recursion a hostile file can cause.
  static constexpr unsigned kMaxArrayDepth = 8;
  /// Arrays of strings or arrays take memory per element (the numbers of a
  /// numeric array stay in the mapping); no vocabulary comes near this.
  static constexpr uint64_t kMaxArrayElements = uint64_t(1) << 24;
  /// Tensor infos and key/values each take memory too.
  static constexpr uint64_t kMaxTensors = uint64_t(1) << 20;
  static constexpr uint64_t kMaxKeyValues = uint64_t(1) << 20;

  llvm::Error error(const Twine &what) const {
    return llvm::createStringError(llvm::inconvertibleErrorCode(),
                                   out.path() + ": " + what);
  }
  /// `need` bytes are wanted at the cursor: fine, or an error saying what
  /// (`item`, in `context`) runs past the end.
  llvm::Error require(uint64_t need, const std::string &context,
                      const Twine &item) const {
    if (need <= size - pos)
      return llvm::Error::success();
    return error(context + ": " + item + " at offset " + Twine(pos) +
                 " needs " + Twine(need) +
                 " bytes, past the end of the file (" + Twine(size) +
                 " bytes)");
  }
  template <typename T>
  llvm::Error read(T &value, const std::string &context, const Twine &item) {
    if (llvm::Error err = require(sizeof(T), context, item))
      return err;
    value =
        llvm::support::endian::read<T, llvm::endianness::little>(base + pos);
    pos += sizeof(T);
    return llvm::Error::success();
  }
  llvm::Error readString(StringRef &value, const std::string &context,
                         const Twine &item);
  llvm::Error checkOverlaps();
  llvm::Error readValue(GGUFValue &value, GGUFValueType type,
                        const std::string &context, unsigned depth);
  llvm::Error readKeyValue(uint64_t index);
  llvm::Error readTensorInfo(uint64_t index);
  llvm::Error readAlignment();
  llvm::Error checkTensorData(GGUFTensorInfo &tensor);

  GGUFFile &out;
  const uint8_t *base;
  uint64_t size;
  uint64_t pos = 0;
};
} // namespace llmq

llvm::Error GGUFParser::readString(StringRef &value, const std::string &context,
                                   const Twine &item) {
  uint64_t length;
  if (llvm::Error err = read(length, context, item + " length"))
    return err;
  if (length > size - pos)
    return error(context + ": " + item + " length " + Twine(length) +
                 " at offset " + Twine(pos - 8) +
                 " runs past the end of the file (" + Twine(size) + " bytes)");
  value = StringRef(reinterpret_cast<const char *>(base + pos), length);
  pos += length;
  return llvm::Error::success();
}

llvm::Error GGUFParser::readValue(GGUFValue &value, GGUFValueType type,
                                  const std::string &context, unsigned depth) {
  value.type = type;
  using VT = GGUFValueType;
  switch (type) {
  case VT::UInt8:
  case VT::Bool: {
    uint8_t v;
    if (llvm::Error err = read(v, context, ggufValueTypeName(type)))
      return err;
    value.scalar.u = v;
    return llvm::Error::success();
  }
  case VT::Int8: {
    int8_t v;
    if (llvm::Error err = read(v, context, "int8"))
      return err;
    value.scalar.i = v;
    return llvm::Error::success();
  }
  case VT::UInt16: {
    uint16_t v;
    if (llvm::Error err = read(v, context, "uint16"))
      return err;
    value.scalar.u = v;
    return llvm::Error::success();
  }
  case VT::Int16: {
    int16_t v;
    if (llvm::Error err = read(v, context, "int16"))
      return err;
    value.scalar.i = v;
    return llvm::Error::success();
  }
  case VT::UInt32: {
    uint32_t v;
    if (llvm::Error err = read(v, context, "uint32"))
      return err;
    value.scalar.u = v;
    return llvm::Error::success();
  }
  case VT::Int32: {
    int32_t v;
    if (llvm::Error err = read(v, context, "int32"))
      return err;
    value.scalar.i = v;
    return llvm::Error::success();
  }
  case VT::UInt64: {
    if (llvm::Error err = read(value.scalar.u, context, "uint64"))
      return err;
    return llvm::Error::success();
  }
  case VT::Int64: {
    if (llvm::Error err = read(value.scalar.i, context, "int64"))
      return err;
    return llvm::Error::success();
  }
  case VT::Float32: {
    float v;
    if (llvm::Error err = read(v, context, "float32"))
      return err;
    value.scalar.f = v;
    return llvm::Error::success();
  }
  case VT::Float64: {
    if (llvm::Error err = read(value.scalar.f, context, "float64"))
      return err;
    return llvm::Error::success();
  }
  case VT::String:
    return readString(value.string, context, "string");
  case VT::Array:
    break;
  }

  // Arrays: element type, count, elements.
  uint32_t elementType;
  if (llvm::Error err = read(elementType, context, "array element type"))
    return err;
  if (!isKnownType(elementType))
    return error(context + ": array has unknown element type " +
                 Twine(elementType));
  value.elementType = static_cast<VT>(elementType);
  uint64_t count;
  if (llvm::Error err = read(count, context, "array length"))
    return err;
  // Each element takes at least this many bytes; the count must fit.
  uint64_t elementSize = fixedSize(value.elementType);
  uint64_t minElement = elementSize                       ? elementSize
                        : value.elementType == VT::String ? 8
                                                          : 4 + 8;
  if (count > (size - pos) / minElement)
    return error(context + ": array of " + Twine(count) + " " +
                 ggufValueTypeName(value.elementType) + " at offset " +
                 Twine(pos) + " runs past the end of the file (" + Twine(size) +
                 " bytes)");
  if (!elementSize && count > kMaxArrayElements)
    return error(context + ": array of " + Twine(count) + " " +
                 ggufValueTypeName(value.elementType) + " is over the limit of " +
                 Twine(kMaxArrayElements) + " elements");
  value.count = static_cast<size_t>(count);
  if (elementSize) {
    value.numbers = base + pos;
    pos += count * elementSize;
    return llvm::Error::success();
  }
  if (value.elementType == VT::String) {
    value.strings.resize(value.count);
    for (size_t i = 0; i < value.count; ++i)
      if (llvm::Error err = readString(value.strings[i], context,
                                       "string #" + Twine(i) + " of the array"))
        return err;
    return llvm::Error::success();
  }
  if (depth + 1 >= kMaxArrayDepth)
    return error(context + ": arrays nested deeper than " +
                 Twine(kMaxArrayDepth));
  value.arrays.resize(value.count);
  for (size_t i = 0; i < value.count; ++i)
    if (llvm::Error err =
            readValue(value.arrays[i], VT::Array, context, depth + 1))
      return err;
  return llvm::Error::success();
}

llvm::Error GGUFParser::readKeyValue(uint64_t index) {
  std::string context = "key #" + std::to_string(index);
  GGUFKeyValue kv;
  if (llvm::Error err = readString(kv.key, context, "key"))
    return err;
  context = ("key '" + kv.key + "'").str();
  uint32_t type;
  if (llvm::Error err = read(type, context, "value type"))
    return err;
  if (!isKnownType(type))
    return error(context + " has unknown value type " + Twine(type));
  uint64_t valueStart = pos;
  if (llvm::Error err =
          readValue(kv.value, static_cast<GGUFValueType>(type), context, 0))
    return err;
  kv.encoded = llvm::ArrayRef<uint8_t>(base + valueStart, pos - valueStart);
  if (!out.kvIndex.try_emplace(kv.key, out.kvs.size()).second)
    return error("duplicate " + context);
  out.kvs.push_back(std::move(kv));
  return llvm::Error::success();
}

llvm::Error GGUFParser::readAlignment() {
  const GGUFValue *value = out.lookup("general.alignment");
  if (!value)
    return llvm::Error::success();
  if (value->getType() != GGUFValueType::UInt32)
    return error("key 'general.alignment' has type " +
                 ggufValueTypeName(value->getType()) + ", expected uint32");
  uint64_t alignment = *value->getUInt();
  if (alignment == 0 || !llvm::isPowerOf2_64(alignment))
    return error("key 'general.alignment' is " + Twine(alignment) +
                 ", not a power of two");
  out.alignment = alignment;
  return llvm::Error::success();
}

llvm::Error GGUFParser::readTensorInfo(uint64_t index) {
  std::string context = "tensor #" + std::to_string(index);
  GGUFTensorInfo tensor;
  if (llvm::Error err = readString(tensor.name, context, "name"))
    return err;
  context = ("tensor '" + tensor.name + "'").str();
  uint32_t numDims;
  if (llvm::Error err = read(numDims, context, "dimension count"))
    return err;
  if (numDims > 4)
    return error(context + " has " + Twine(numDims) +
                 " dimensions, more than 4");
  for (uint32_t d = 0; d < numDims; ++d) {
    uint64_t n;
    if (llvm::Error err = read(n, context, "dimension " + Twine(d)))
      return err;
    if (n > uint64_t(std::numeric_limits<int64_t>::max()))
      return error(context + " has a negative dimension " + Twine(d) + " (" +
                   Twine(n) + ", more than 2^63 - 1)");
    tensor.ne.push_back(int64_t(n));
  }
  if (llvm::Error err = read(tensor.ggmlType, context, "type"))
    return err;
  if (llvm::Error err = read(tensor.offset, context, "offset"))
    return err;
  if (!out.tensorIndex.try_emplace(tensor.name, out.tensorInfos.size()).second)
    return error("duplicate " + context);
  out.tensorInfos.push_back(std::move(tensor));
  return llvm::Error::success();
}

llvm::Error GGUFParser::checkTensorData(GGUFTensorInfo &tensor) {
  std::string context = ("tensor '" + tensor.name + "'").str();
  std::optional<GGMLTypeSize> typeSize = getGGMLTypeSize(tensor.ggmlType);
  if (!typeSize)
    return error(context + " has unknown ggml type " + Twine(tensor.ggmlType));
  int64_t rowElems = tensor.ne.empty() ? 1 : tensor.ne[0];
  if (rowElems % typeSize->blockElems != 0)
    return error(context + " has rows of " + Twine(rowElems) +
                 " elements, not a multiple of its type's block of " +
                 Twine(typeSize->blockElems));
  // Bytes = blocks per row * block bytes * rows, without overflowing.
  uint64_t bytes = uint64_t(rowElems / typeSize->blockElems);
  bool overflow = false;
  auto multiply = [&](uint64_t factor) {
    if (factor != 0 && bytes > std::numeric_limits<uint64_t>::max() / factor)
      overflow = true;
    else
      bytes *= factor;
  };
  multiply(typeSize->blockBytes);
  for (size_t d = 1; d < tensor.ne.size() && !overflow; ++d)
    multiply(uint64_t(tensor.ne[d]));
  if (overflow)
    return error(context + " is too large: its size overflows 64 bits");
  // numElements() must not overflow either.
  if (!checkedProduct(tensor.ne))
    return error(context + " is too large: its element count overflows 63 "
                           "bits");
  if (tensor.offset % out.alignment != 0)
    return error(context + " has offset " + Twine(tensor.offset) +
                 ", not a multiple of the alignment " + Twine(out.alignment));
  uint64_t dataStart = out.dataOffset;
  if (dataStart > size || tensor.offset > size - dataStart ||
      bytes > size - dataStart - tensor.offset)
    return error(
        context + " data lies outside the file (" + Twine(bytes) +
        " bytes at data offset " + Twine(tensor.offset) + ", file has " +
        Twine(dataStart > size ? 0 : size - dataStart) + " bytes of data)");
  tensor.offset += dataStart;
  tensor.size = bytes;
  return llvm::Error::success();
}

llvm::Error GGUFParser::parse() {
  if (size < 4 || memcmp(base, "GGUF", 4) != 0)
    return error("not a GGUF file (bad magic)");
  pos = 4;
  const std::string header = "header";
  if (llvm::Error err = read(out.version, header, "version"))
    return err;
  if (llvm::byteswap(out.version) == 2 || llvm::byteswap(out.version) == 3)
    return error("big-endian GGUF files are not supported");
  if (out.version != 2 && out.version != 3)
    return error("GGUF version " + Twine(out.version) +
                 " is not supported (expected 2 or 3)");
  uint64_t numTensors, numKeyValues;
  if (llvm::Error err = read(numTensors, header, "tensor count"))
    return err;
  if (llvm::Error err = read(numKeyValues, header, "key/value count"))
    return err;
  // A key/value takes at least 13 bytes, a tensor info at least 24.
  if (numKeyValues > (size - pos) / 13)
    return error("header claims " + Twine(numKeyValues) +
                 " key/values, more than the " + Twine(size - pos) +
                 " bytes after it can hold");
  if (numTensors > (size - pos) / 24)
    return error("header claims " + Twine(numTensors) +
                 " tensors, more than the " + Twine(size - pos) +
                 " bytes after it can hold");
  if (numKeyValues > kMaxKeyValues)
    return error("header claims " + Twine(numKeyValues) +
                 " key/values, over the limit of " + Twine(kMaxKeyValues));
  if (numTensors > kMaxTensors)
    return error("header claims " + Twine(numTensors) +
                 " tensors, over the limit of " + Twine(kMaxTensors));

  out.kvs.reserve(numKeyValues);
  for (uint64_t i = 0; i < numKeyValues; ++i)
    if (llvm::Error err = readKeyValue(i))
      return err;
  if (llvm::Error err = readAlignment())
    return err;

  out.tensorInfos.reserve(numTensors);
  for (uint64_t i = 0; i < numTensors; ++i)
    if (llvm::Error err = readTensorInfo(i))
      return err;
  out.dataOffset = llvm::alignTo(pos, out.alignment);
  for (GGUFTensorInfo &tensor : out.tensorInfos)
    if (llvm::Error err = checkTensorData(tensor))
      return err;
  return checkOverlaps();
}

llvm::Error GGUFParser::checkOverlaps() {
  // Two tensors sharing bytes would alias each other's data; a writer never
  // produces that, so it marks a corrupt or hostile file.
  std::vector<const GGUFTensorInfo *> byOffset;
  for (const GGUFTensorInfo &tensor : out.tensorInfos)
    byOffset.push_back(&tensor);
  llvm::sort(byOffset, [](const GGUFTensorInfo *a, const GGUFTensorInfo *b) {
    return a->offset < b->offset;
  });
  for (size_t i = 1; i < byOffset.size(); ++i) {
    const GGUFTensorInfo *prev = byOffset[i - 1], *next = byOffset[i];
    if (prev->size && next->size && prev->offset + prev->size > next->offset)
      return error("tensors '" + prev->name + "' and '" + next->name +
                   "' overlap");
  }
  return llvm::Error::success();
}

//===----------------------------------------------------------------------===//
// GGUFFile
//===----------------------------------------------------------------------===//

llvm::Expected<std::unique_ptr<GGUFFile>> GGUFFile::open(StringRef path) {
  llvm::Expected<std::unique_ptr<MappedFile>> mapped = MappedFile::open(path);
  if (!mapped)
    return mapped.takeError();
  std::unique_ptr<GGUFFile> file(new GGUFFile(std::move(*mapped)));
  GGUFParser parser(*file);
  if (llvm::Error err = parser.parse())
    return std::move(err);
  return std::move(file);
}

const GGUFValue *GGUFFile::lookup(StringRef key) const {
  auto it = kvIndex.find(key);
  return it == kvIndex.end() ? nullptr : &kvs[it->second].value;
}

std::optional<uint64_t> GGUFFile::getUInt(StringRef key) const {
  const GGUFValue *value = lookup(key);
  return value ? value->getUInt() : std::nullopt;
}

std::optional<int64_t> GGUFFile::getInt(StringRef key) const {
  const GGUFValue *value = lookup(key);
  return value ? value->getInt() : std::nullopt;
}

std::optional<double> GGUFFile::getFloat(StringRef key) const {
  const GGUFValue *value = lookup(key);
  return value ? value->getFloat() : std::nullopt;
}

std::optional<bool> GGUFFile::getBool(StringRef key) const {
  const GGUFValue *value = lookup(key);
  return value ? value->getBool() : std::nullopt;
}

std::optional<StringRef> GGUFFile::getString(StringRef key) const {
  const GGUFValue *value = lookup(key);
  return value ? value->getString() : std::nullopt;
}

std::optional<llvm::ArrayRef<StringRef>>
GGUFFile::getStringArray(StringRef key) const {
  const GGUFValue *value = lookup(key);
  if (!value || !value->isArray() ||
      value->getElementType() != GGUFValueType::String)
    return std::nullopt;
  return value->getStrings();
}

std::optional<GGUFArrayRef<float>>
GGUFFile::getFloatArray(StringRef key) const {
  const GGUFValue *value = lookup(key);
  if (!value || !value->isArray() ||
      value->getElementType() != GGUFValueType::Float32)
    return std::nullopt;
  return value->getNumbers<float>();
}

std::optional<GGUFArrayRef<int32_t>>
GGUFFile::getInt32Array(StringRef key) const {
  const GGUFValue *value = lookup(key);
  if (!value || !value->isArray() ||
      value->getElementType() != GGUFValueType::Int32)
    return std::nullopt;
  return value->getNumbers<int32_t>();
}

const GGUFTensorInfo *GGUFFile::findTensor(StringRef name) const {
  auto it = tensorIndex.find(name);
  return it == tensorIndex.end() ? nullptr : &tensorInfos[it->second];
}
