//===- GGUFWriter.cpp - GGUF v3 container writer ---------------------------===//

#include "formats/files/GGUFWriter.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/Support/EndianStream.h"
#include "llvm/Support/MathExtras.h"

#include <cstring>

using namespace llmq;

namespace {
/// Little-endian encoding into a string, GGUF's byte order.
struct Encoder {
  std::string &out;
  template <typename T> void scalar(T value) {
    char bytes[sizeof(T)];
    llvm::support::endian::write<T>(bytes, value, llvm::endianness::little);
    out.append(bytes, sizeof(T));
  }
  void f32(float value) {
    uint32_t bits;
    memcpy(&bits, &value, 4);
    scalar<uint32_t>(bits);
  }
  void str(llvm::StringRef s) {
    scalar<uint64_t>(s.size());
    out.append(s.data(), s.size());
  }
  void arrayHeader(GGUFValueType element, uint64_t count) {
    scalar<uint32_t>(static_cast<uint32_t>(element));
    scalar<uint64_t>(count);
  }
};
} // namespace

GGUFWriter::KeyValue &GGUFWriter::add(llvm::StringRef key,
                                      GGUFValueType type) {
  keyValues.push_back({key.str(), type, {}});
  return keyValues.back();
}

void GGUFWriter::addString(llvm::StringRef key, llvm::StringRef value) {
  Encoder{add(key, GGUFValueType::String).payload}.str(value);
}
void GGUFWriter::addUInt32(llvm::StringRef key, uint32_t value) {
  Encoder{add(key, GGUFValueType::UInt32).payload}.scalar<uint32_t>(value);
}
void GGUFWriter::addInt32(llvm::StringRef key, int32_t value) {
  Encoder{add(key, GGUFValueType::Int32).payload}.scalar<int32_t>(value);
}
void GGUFWriter::addFloat32(llvm::StringRef key, float value) {
  Encoder{add(key, GGUFValueType::Float32).payload}.f32(value);
}
void GGUFWriter::addBool(llvm::StringRef key, bool value) {
  Encoder{add(key, GGUFValueType::Bool).payload}.scalar<uint8_t>(value ? 1 : 0);
}
void GGUFWriter::addStringArray(llvm::StringRef key,
                                llvm::ArrayRef<std::string> values) {
  Encoder e{add(key, GGUFValueType::Array).payload};
  e.arrayHeader(GGUFValueType::String, values.size());
  for (const std::string &v : values)
    e.str(v);
}
void GGUFWriter::addFloat32Array(llvm::StringRef key,
                                 llvm::ArrayRef<float> values) {
  Encoder e{add(key, GGUFValueType::Array).payload};
  e.arrayHeader(GGUFValueType::Float32, values.size());
  for (float v : values)
    e.f32(v);
}
void GGUFWriter::addInt32Array(llvm::StringRef key,
                               llvm::ArrayRef<int32_t> values) {
  Encoder e{add(key, GGUFValueType::Array).payload};
  e.arrayHeader(GGUFValueType::Int32, values.size());
  for (int32_t v : values)
    e.scalar<int32_t>(v);
}

void GGUFWriter::addEncoded(llvm::StringRef key, GGUFValueType type,
                            llvm::ArrayRef<uint8_t> encoded) {
  add(key, type).payload.assign(encoded.begin(), encoded.end());
}

bool GGUFWriter::contains(llvm::StringRef key) const {
  return llvm::any_of(keyValues,
                      [&](const KeyValue &kv) { return kv.key == key; });
}

void GGUFWriter::addTensor(llvm::StringRef name, llvm::ArrayRef<int64_t> ne,
                           uint32_t ggmlType, uint64_t bytes) {
  tensors.push_back({name.str(), {ne.begin(), ne.end()}, ggmlType, dataSize});
  dataSize += llvm::alignTo(bytes, kGGUFDefaultAlignment);
}

void GGUFWriter::writeHeader(llvm::raw_ostream &os) const {
  std::string header;
  Encoder e{header};
  header.append("GGUF");
  e.scalar<uint32_t>(kGGUFVersion);
  e.scalar<uint64_t>(tensors.size());
  e.scalar<uint64_t>(keyValues.size());
  for (const KeyValue &kv : keyValues) {
    e.str(kv.key);
    e.scalar<uint32_t>(static_cast<uint32_t>(kv.type));
    header += kv.payload;
  }
  for (const TensorInfo &t : tensors) {
    e.str(t.name);
    e.scalar<uint32_t>(t.ne.size());
    for (int64_t n : t.ne)
      e.scalar<uint64_t>(n);
    e.scalar<uint32_t>(t.ggmlType);
    e.scalar<uint64_t>(t.offset);
  }
  header.resize(llvm::alignTo(header.size(), kGGUFDefaultAlignment), '\0');
  os << header;
}

void GGUFWriter::writeTensorPadding(llvm::raw_ostream &os, uint64_t bytes) {
  uint64_t padding = llvm::alignTo(bytes, kGGUFDefaultAlignment) - bytes;
  os.write_zeros(padding);
}
