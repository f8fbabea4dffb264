//===- GGUFReaderTest.cpp - The GGUF reader on good and bad files ---------===//
//
// What llmq's writer writes reads back value for value; every GGUF value type
// (including nested arrays) decodes; llama.cpp's stories260K conversion
// reads with its tensors where ggml puts them; and broken files (bad magic,
// every truncation of a header, lengths and tensors past the end) give an
// error that names the file rather than a read outside it.
//
//===----------------------------------------------------------------------===//

#include "formats/files/GGUFReader.h"
#include "formats/files/GGUFWriter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

using namespace llmq;
using llvm::StringRef;

namespace {

//===----------------------------------------------------------------------===//
// Helpers
//===----------------------------------------------------------------------===//

/// A temporary file removed when the test ends.
class TempFile {
public:
  explicit TempFile(StringRef contents) {
    std::error_code ec =
        llvm::sys::fs::createTemporaryFile("llmq-gguf-test", "gguf", path);
    EXPECT_FALSE(ec) << ec.message();
    llvm::raw_fd_ostream os(path, ec);
    EXPECT_FALSE(ec) << ec.message();
    os << contents;
  }
  ~TempFile() { llvm::sys::fs::remove(path); }
  std::string str() const { return std::string(path); }

private:
  llvm::SmallString<128> path;
};

/// Little-endian GGUF encoding, for files the writer cannot make.
struct Encoder {
  std::string bytes;

  template <typename T> Encoder &scalar(T value) {
    char raw[sizeof(T)];
    std::memcpy(raw, &value, sizeof(T)); // the host is little-endian
    bytes.append(raw, sizeof(T));
    return *this;
  }
  Encoder &u32(uint32_t v) { return scalar(v); }
  Encoder &u64(uint64_t v) { return scalar(v); }
  Encoder &type(GGUFValueType t) { return u32(static_cast<uint32_t>(t)); }
  Encoder &str(StringRef s) {
    u64(s.size());
    bytes.append(s.data(), s.size());
    return *this;
  }
  Encoder &header(uint32_t version, uint64_t tensors, uint64_t kvs) {
    bytes.append("GGUF");
    return u32(version).u64(tensors).u64(kvs);
  }
  Encoder &key(StringRef name, GGUFValueType t) { return str(name).type(t); }
  Encoder &tensor(StringRef name, std::vector<uint64_t> ne, uint32_t ggmlType,
                  uint64_t offset) {
    str(name).u32(ne.size());
    for (uint64_t n : ne)
      u64(n);
    return u32(ggmlType).u64(offset);
  }
  Encoder &pad(uint64_t alignment) {
    bytes.resize(llvm::alignTo(bytes.size(), alignment), '\0');
    return *this;
  }
};

/// The error of opening `contents` as a GGUF file, or "" if it opened.
std::string openError(StringRef contents, std::string *pathOut = nullptr) {
  TempFile file(contents);
  if (pathOut)
    *pathOut = file.str();
  llvm::Expected<std::unique_ptr<GGUFFile>> gguf = GGUFFile::open(file.str());
  if (gguf)
    return "";
  return llvm::toString(gguf.takeError());
}

std::string sharedDir() {
  if (const char *dir = std::getenv("LLMQ_SHARED_DIR"); dir && *dir)
    return dir;
  if (const char *root = std::getenv("LLMQ_SRC_ROOT"); root && *root)
    return std::string(root) + "/../shared";
  StringRef file = __FILE__;
  StringRef suffix = "test/unittests/gguf/GGUFReaderTest.cpp";
  if (llvm::sys::path::is_absolute(file) && file.ends_with(suffix))
    return (file.drop_back(suffix.size()) + "../shared").str();
  return {};
}

/// A file from llmq's writer: every value type it writes, and three tensors
/// of different ggml types with their data.
std::string writerFile() {
  GGUFWriter writer;
  writer.addString("general.architecture", "llama");
  writer.addString("general.name", "round trip \xe2\x96\x81 \xf0\x9f\xa6\x99");
  writer.addUInt32("llama.block_count", 4000000000u);
  writer.addInt32("test.int32", -123456);
  writer.addFloat32("test.float32", 1.5e-5f);
  writer.addBool("test.true", true);
  writer.addBool("test.false", false);
  writer.addStringArray("tokenizer.ggml.tokens",
                        {"<s>", "", "\xe2\x96\x81the"});
  writer.addFloat32Array("tokenizer.ggml.scores", {0.0f, -1.25f, 3e38f});
  writer.addInt32Array("tokenizer.ggml.token_type", {3, 1, -7});
  writer.addStringArray("test.empty", {});
  writer.addTensor("token_embd.weight", {4, 3}, /*F32*/ 0, 4 * 3 * 4);
  writer.addTensor("output_norm.weight", {5}, /*F16*/ 1, 5 * 2);
  writer.addTensor("blk.0.attn_q.weight", {64, 2}, /*Q8_0*/ 8, 2 * 2 * 34);

  std::string out;
  llvm::raw_string_ostream os(out);
  writer.writeHeader(os);
  for (uint64_t bytes : {uint64_t(48), uint64_t(10), uint64_t(136)}) {
    for (uint64_t i = 0; i < bytes; ++i)
      os << char(i + bytes);
    GGUFWriter::writeTensorPadding(os, bytes);
  }
  return out;
}

//===----------------------------------------------------------------------===//
// Reading good files
//===----------------------------------------------------------------------===//

TEST(GGUFReaderTest, ReadsWhatTheWriterWrote) {
  TempFile file(writerFile());
  llvm::Expected<std::unique_ptr<GGUFFile>> opened = GGUFFile::open(file.str());
  ASSERT_TRUE(bool(opened)) << llvm::toString(opened.takeError());
  const GGUFFile &gguf = **opened;

  EXPECT_EQ(gguf.getVersion(), 3u);
  EXPECT_EQ(gguf.getAlignment(), 32u);
  EXPECT_EQ(gguf.keyValues().size(), 11u);
  EXPECT_EQ(gguf.keyValues()[0].key, "general.architecture");
  EXPECT_EQ(gguf.getString("general.architecture"), StringRef("llama"));
  EXPECT_EQ(gguf.getString("general.name"),
            StringRef("round trip \xe2\x96\x81 \xf0\x9f\xa6\x99"));
  EXPECT_EQ(gguf.getUInt("llama.block_count"), 4000000000u);
  EXPECT_EQ(gguf.getInt("test.int32"), -123456);
  EXPECT_EQ(gguf.getUInt("test.int32"), std::nullopt); // negative
  EXPECT_EQ(gguf.getFloat("test.float32"), double(1.5e-5f));
  EXPECT_EQ(gguf.getBool("test.true"), true);
  EXPECT_EQ(gguf.getBool("test.false"), false);
  // Mistyped and missing keys.
  EXPECT_EQ(gguf.getString("llama.block_count"), std::nullopt);
  EXPECT_EQ(gguf.getUInt("general.architecture"), std::nullopt);
  EXPECT_EQ(gguf.getBool("test.int32"), std::nullopt);
  EXPECT_EQ(gguf.lookup("no.such.key"), nullptr);
  EXPECT_EQ(gguf.getFloatArray("tokenizer.ggml.tokens"), std::nullopt);

  std::optional<llvm::ArrayRef<StringRef>> tokens =
      gguf.getStringArray("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens);
  ASSERT_EQ(tokens->size(), 3u);
  EXPECT_EQ((*tokens)[0], "<s>");
  EXPECT_EQ((*tokens)[1], "");
  EXPECT_EQ((*tokens)[2], "\xe2\x96\x81the");
  // Strings are views into the mapping, not copies.
  const uint8_t *begin = gguf.getMappedFile().data();
  EXPECT_GE(reinterpret_cast<const uint8_t *>((*tokens)[2].data()), begin);
  EXPECT_LT(reinterpret_cast<const uint8_t *>((*tokens)[2].data()),
            begin + gguf.getMappedFile().size());

  std::optional<GGUFArrayRef<float>> scores =
      gguf.getFloatArray("tokenizer.ggml.scores");
  ASSERT_TRUE(scores);
  EXPECT_EQ(scores->vec(), (std::vector<float>{0.0f, -1.25f, 3e38f}));
  std::optional<GGUFArrayRef<int32_t>> types =
      gguf.getInt32Array("tokenizer.ggml.token_type");
  ASSERT_TRUE(types);
  EXPECT_EQ(types->vec(), (std::vector<int32_t>{3, 1, -7}));
  const GGUFValue *typeValue = gguf.lookup("tokenizer.ggml.token_type");
  ASSERT_TRUE(typeValue);
  EXPECT_EQ(typeValue->getIntElement(2), -7);
  EXPECT_EQ(typeValue->getIntElement(3), std::nullopt);
  std::optional<llvm::ArrayRef<StringRef>> empty =
      gguf.getStringArray("test.empty");
  ASSERT_TRUE(empty);
  EXPECT_TRUE(empty->empty());

  ASSERT_EQ(gguf.tensors().size(), 3u);
  EXPECT_EQ(gguf.getDataOffset() % 32, 0u);
  const GGUFTensorInfo *embd = gguf.findTensor("token_embd.weight");
  ASSERT_TRUE(embd);
  EXPECT_EQ(embd, &gguf.tensors()[0]);
  EXPECT_EQ(embd->ne, (llvm::SmallVector<int64_t, 4>{4, 3}));
  EXPECT_EQ(embd->ggmlType, 0u);
  EXPECT_EQ(embd->offset, gguf.getDataOffset());
  EXPECT_EQ(embd->size, 48u);
  EXPECT_EQ(embd->numElements(), 12);
  const GGUFTensorInfo *norm = gguf.findTensor("output_norm.weight");
  ASSERT_TRUE(norm);
  EXPECT_EQ(norm->ne, (llvm::SmallVector<int64_t, 4>{5}));
  EXPECT_EQ(norm->ggmlType, 1u);
  EXPECT_EQ(norm->offset, gguf.getDataOffset() + 64);
  EXPECT_EQ(norm->size, 10u);
  const GGUFTensorInfo *q = gguf.findTensor("blk.0.attn_q.weight");
  ASSERT_TRUE(q);
  EXPECT_EQ(q->ggmlType, 8u);
  EXPECT_EQ(q->offset, gguf.getDataOffset() + 96);
  EXPECT_EQ(q->size, 136u);
  EXPECT_EQ(gguf.findTensor("missing"), nullptr);

  llvm::ArrayRef<uint8_t> data = gguf.tensorData(*q);
  ASSERT_EQ(data.size(), 136u);
  EXPECT_EQ(data[0], 136u);
  EXPECT_EQ(data[135], uint8_t(135 + 136));
}

TEST(GGUFReaderTest, ReadsEveryValueType) {
  using VT = GGUFValueType;
  Encoder e;
  e.header(/*version=*/2, /*tensors=*/1, /*kvs=*/17);
  e.key("u8", VT::UInt8).scalar<uint8_t>(250);
  e.key("i8", VT::Int8).scalar<int8_t>(-100);
  e.key("u16", VT::UInt16).scalar<uint16_t>(65000);
  e.key("i16", VT::Int16).scalar<int16_t>(-30000);
  e.key("u32", VT::UInt32).scalar<uint32_t>(4000000000u);
  e.key("i32", VT::Int32).scalar<int32_t>(-2000000000);
  e.key("f32", VT::Float32).scalar<float>(0.25f);
  e.key("bool", VT::Bool).scalar<uint8_t>(1);
  e.key("str", VT::String).str("hello");
  e.key("u64", VT::UInt64).scalar<uint64_t>(~uint64_t(0));
  e.key("i64", VT::Int64).scalar<int64_t>(INT64_MIN);
  e.key("f64", VT::Float64).scalar<double>(-2.5e100);
  e.key("u64s", VT::Array).type(VT::UInt64).u64(2).u64(7).u64(~uint64_t(0));
  e.key("bools", VT::Array).type(VT::Bool).u64(3);
  e.scalar<uint8_t>(1).scalar<uint8_t>(0).scalar<uint8_t>(1);
  // [[1, -2], [], [3]] as int16
  e.key("nested", VT::Array).type(VT::Array).u64(3);
  e.type(VT::Int16).u64(2).scalar<int16_t>(1).scalar<int16_t>(-2);
  e.type(VT::Int16).u64(0);
  e.type(VT::Int16).u64(1).scalar<int16_t>(3);
  e.key("f64s", VT::Array).type(VT::Float64).u64(1).scalar<double>(0.5);
  e.key("general.alignment", VT::UInt32).u32(64);
  e.tensor("t", {3, 2}, /*I16*/ 25, 0);
  e.pad(64);
  e.bytes.append(12, '\x07');

  TempFile file(e.bytes);
  llvm::Expected<std::unique_ptr<GGUFFile>> opened = GGUFFile::open(file.str());
  ASSERT_TRUE(bool(opened)) << llvm::toString(opened.takeError());
  const GGUFFile &gguf = **opened;
  EXPECT_EQ(gguf.getVersion(), 2u);
  EXPECT_EQ(gguf.getAlignment(), 64u);
  EXPECT_EQ(gguf.getUInt("u8"), 250u);
  EXPECT_EQ(gguf.lookup("u8")->getType(), VT::UInt8);
  EXPECT_EQ(gguf.getInt("i8"), -100);
  EXPECT_EQ(gguf.getUInt("u16"), 65000u);
  EXPECT_EQ(gguf.getInt("i16"), -30000);
  EXPECT_EQ(gguf.getUInt("u32"), 4000000000u);
  EXPECT_EQ(gguf.getInt("i32"), -2000000000);
  EXPECT_EQ(gguf.getFloat("f32"), 0.25);
  EXPECT_EQ(gguf.getBool("bool"), true);
  EXPECT_EQ(gguf.getString("str"), StringRef("hello"));
  EXPECT_EQ(gguf.getUInt("u64"), ~uint64_t(0));
  EXPECT_EQ(gguf.getInt("u64"), std::nullopt); // does not fit
  EXPECT_EQ(gguf.getInt("i64"), INT64_MIN);
  EXPECT_EQ(gguf.getFloat("f64"), -2.5e100);

  const GGUFValue *u64s = gguf.lookup("u64s");
  ASSERT_TRUE(u64s && u64s->isArray());
  EXPECT_EQ(u64s->getElementType(), VT::UInt64);
  EXPECT_EQ(u64s->getNumbers<uint64_t>().vec(),
            (std::vector<uint64_t>{7, ~uint64_t(0)}));
  EXPECT_EQ(u64s->getIntElement(0), 7);
  EXPECT_EQ(u64s->getIntElement(1), std::nullopt);
  const GGUFValue *bools = gguf.lookup("bools");
  ASSERT_TRUE(bools);
  EXPECT_EQ(bools->getNumbers<uint8_t>().vec(),
            (std::vector<uint8_t>{1, 0, 1}));
  const GGUFValue *nested = gguf.lookup("nested");
  ASSERT_TRUE(nested);
  EXPECT_EQ(nested->getElementType(), VT::Array);
  ASSERT_EQ(nested->getArrays().size(), 3u);
  EXPECT_EQ(nested->getArrays()[0].getNumbers<int16_t>().vec(),
            (std::vector<int16_t>{1, -2}));
  EXPECT_EQ(nested->getArrays()[1].size(), 0u);
  EXPECT_EQ(nested->getArrays()[2].getIntElement(0), 3);
  EXPECT_EQ(gguf.lookup("f64s")->getFloatElement(0), 0.5);

  ASSERT_EQ(gguf.tensors().size(), 1u);
  const GGUFTensorInfo &t = gguf.tensors()[0];
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(gguf.getDataOffset() % 64, 0u);
  EXPECT_EQ(t.offset, gguf.getDataOffset());
  EXPECT_EQ(t.size, 12u);
}

TEST(GGUFReaderTest, ReadsStories260K) {
  std::string shared = sharedDir();
  std::string path = shared.empty() ? "" : shared + "/models/stories260K.gguf";
  if (path.empty() || !llvm::sys::fs::exists(path))
    GTEST_SKIP() << "no shared models (set LLMQ_SHARED_DIR)";
  llvm::Expected<std::unique_ptr<GGUFFile>> opened = GGUFFile::open(path);
  ASSERT_TRUE(bool(opened)) << llvm::toString(opened.takeError());
  const GGUFFile &gguf = **opened;
  EXPECT_EQ(gguf.getVersion(), 3u);
  EXPECT_EQ(gguf.getString("general.architecture"), StringRef("llama"));
  EXPECT_EQ(gguf.getString("tokenizer.ggml.model"), StringRef("llama"));
  EXPECT_EQ(gguf.getUInt("llama.block_count"), 5u);
  EXPECT_EQ(gguf.getUInt("llama.embedding_length"), 64u);
  std::optional<double> eps =
      gguf.getFloat("llama.attention.layer_norm_rms_epsilon");
  ASSERT_TRUE(eps);
  EXPECT_NEAR(*eps, 1e-5, 1e-12);

  std::optional<llvm::ArrayRef<StringRef>> tokens =
      gguf.getStringArray("tokenizer.ggml.tokens");
  ASSERT_TRUE(tokens);
  EXPECT_EQ(tokens->size(), 512u);
  EXPECT_EQ((*tokens)[1], "<s>");
  EXPECT_EQ((*tokens)[3], "<0x00>");
  std::optional<GGUFArrayRef<float>> scores =
      gguf.getFloatArray("tokenizer.ggml.scores");
  ASSERT_TRUE(scores);
  EXPECT_EQ(scores->size(), 512u);
  std::optional<GGUFArrayRef<int32_t>> types =
      gguf.getInt32Array("tokenizer.ggml.token_type");
  ASSERT_TRUE(types);
  EXPECT_EQ(types->size(), 512u);
  EXPECT_EQ((*types)[1], 3); // control

  // 5 blocks of 9 tensors, the embedding, the final norm and the output.
  EXPECT_EQ(gguf.tensors().size(), 48u);
  const GGUFTensorInfo *embd = gguf.findTensor("token_embd.weight");
  ASSERT_TRUE(embd);
  EXPECT_EQ(embd->ne, (llvm::SmallVector<int64_t, 4>{64, 512}));
  EXPECT_EQ(embd->ggmlType, 0u); // F32
  EXPECT_EQ(embd->size, 64u * 512 * 4);
  const GGUFTensorInfo *down = gguf.findTensor("blk.4.ffn_down.weight");
  ASSERT_TRUE(down);
  EXPECT_EQ(down->ne, (llvm::SmallVector<int64_t, 4>{172, 64}));
  uint64_t end = 0;
  for (const GGUFTensorInfo &t : gguf.tensors()) {
    EXPECT_EQ(t.offset % gguf.getAlignment(), 0u) << t.name.str();
    EXPECT_GE(t.offset, gguf.getDataOffset()) << t.name.str();
    end = std::max(end, t.offset + t.size);
  }
  EXPECT_LE(end, gguf.getMappedFile().size());
  // The embedding's first weight is a finite float.
  llvm::ArrayRef<uint8_t> data = gguf.tensorData(*embd);
  float first;
  std::memcpy(&first, data.data(), 4);
  EXPECT_TRUE(std::isfinite(first));
}

//===----------------------------------------------------------------------===//
// Broken files
//===----------------------------------------------------------------------===//

/// Expects `message` to name the file at `path` and to contain `what`.
void expectError(const std::string &message, const std::string &path,
                 StringRef what) {
  EXPECT_FALSE(message.empty()) << "opened without an error";
  EXPECT_NE(message.find(path + ": "), std::string::npos) << message;
  EXPECT_NE(message.find(what.str()), std::string::npos) << message;
}

TEST(GGUFReaderTest, RejectsBadMagic) {
  std::string path;
  std::string good = writerFile();
  std::string bad = "GGUG" + good.substr(4);
  expectError(openError(bad, &path), path, "not a GGUF file");
  expectError(openError("", &path), path, "not a GGUF file");
  expectError(openError("GG", &path), path, "not a GGUF file");
}

TEST(GGUFReaderTest, RejectsOtherVersions) {
  std::string path;
  Encoder e;
  e.header(/*version=*/1, 0, 0);
  expectError(openError(e.bytes, &path), path, "GGUF version 1");
  Encoder bigEndian;
  bigEndian.header(/*version=*/0x03000000, 0, 0);
  expectError(openError(bigEndian.bytes, &path), path, "not supported");
}

TEST(GGUFReaderTest, RejectsEveryTruncatedHeader) {
  std::string good = writerFile();
  TempFile whole(good);
  llvm::Expected<std::unique_ptr<GGUFFile>> opened =
      GGUFFile::open(whole.str());
  ASSERT_TRUE(bool(opened)) << llvm::toString(opened.takeError());
  // Every cut before the end of the tensor data fails with the file named:
  // inside the header, the metadata and tensor infos are read past the
  // end; after it, the tensors' data lies outside the file.
  uint64_t end =
      (*opened)->tensors().back().offset + (*opened)->tensors().back().size;
  for (uint64_t length = 0; length < end; ++length) {
    std::string path;
    std::string message = openError(good.substr(0, length), &path);
    ASSERT_FALSE(message.empty()) << "a file cut at " << length << " opened";
    ASSERT_NE(message.find(path + ": "), std::string::npos) << message;
  }
  std::string path;
  expectError(openError(good.substr(0, 200), &path), path,
              "past the end of the file");
}

TEST(GGUFReaderTest, RejectsStringLengthPastTheEnd) {
  using VT = GGUFValueType;
  std::string path;
  // A string value whose length runs past the end.
  Encoder value;
  value.header(3, 0, 1).key("general.name", VT::String).u64(1000);
  value.bytes.append("short");
  expectError(openError(value.bytes, &path), path,
              "key 'general.name': string length 1000");
  // A key whose length runs past the end.
  Encoder key;
  key.header(3, 0, 1).u64(~uint64_t(0) - 3);
  key.bytes.append("general.name");
  expectError(openError(key.bytes, &path), path, "key #0: key length");
  // A string in an array.
  Encoder array;
  array.header(3, 0, 1).key("tokenizer.ggml.tokens", VT::Array);
  array.type(VT::String).u64(2).str("a").u64(99);
  expectError(openError(array.bytes, &path), path,
              "key 'tokenizer.ggml.tokens': string #1 of the array");
  // A tensor name.
  Encoder tensor;
  tensor.header(3, 1, 0).u64(500).bytes.append("blk.0");
  tensor.bytes.append(40, '\0');
  expectError(openError(tensor.bytes, &path), path, "tensor #0: name length");
}

TEST(GGUFReaderTest, RejectsTensorDataOutsideTheFile) {
  std::string path;
  Encoder e;
  e.header(3, 2, 0);
  e.tensor("token_embd.weight", {8, 4}, /*F32*/ 0, 0);
  e.tensor("blk.0.attn_q.weight", {8, 8}, /*F32*/ 0, 128);
  e.pad(32);
  e.bytes.append(128 + 100, '\0'); // the second tensor needs 256 bytes
  expectError(openError(e.bytes, &path), path,
              "tensor 'blk.0.attn_q.weight' data lies outside the file");

  // An offset so large that offset + size wraps around.
  Encoder wrap;
  wrap.header(3, 1, 0);
  wrap.tensor("blk.0.attn_q.weight", {8}, /*F32*/ 0, ~uint64_t(0) - 31);
  wrap.pad(32);
  expectError(openError(wrap.bytes, &path), path,
              "tensor 'blk.0.attn_q.weight' data lies outside the file");
  // Dimensions whose product overflows.
  Encoder huge;
  huge.header(3, 1, 0);
  huge.tensor("big", {1ull << 40, 1ull << 40}, /*F32*/ 0, 0);
  expectError(openError(huge.bytes, &path), path, "tensor 'big'");
}

TEST(GGUFReaderTest, RejectsMalformedMetadata) {
  using VT = GGUFValueType;
  std::string path;
  Encoder unknownType;
  unknownType.header(3, 0, 1).str("x").u32(13).u32(0);
  expectError(openError(unknownType.bytes, &path), path,
              "key 'x' has unknown value type 13");

  Encoder duplicate;
  duplicate.header(3, 0, 2);
  duplicate.key("a", VT::UInt8).scalar<uint8_t>(1);
  duplicate.key("a", VT::UInt8).scalar<uint8_t>(2);
  expectError(openError(duplicate.bytes, &path), path, "duplicate key 'a'");

  Encoder tooMany;
  tooMany.header(3, 0, uint64_t(1) << 60);
  expectError(openError(tooMany.bytes, &path), path, "key/values");

  Encoder hugeArray;
  hugeArray.header(3, 0, 1)
      .key("a", VT::Array)
      .type(VT::UInt32)
      .u64(1ull << 61);
  expectError(openError(hugeArray.bytes, &path), path,
              "key 'a': array of 2305843009213693952 uint32");

  Encoder deep;
  deep.header(3, 0, 1).key("deep", VT::Array);
  for (int i = 0; i < 20; ++i)
    deep.type(VT::Array).u64(1);
  deep.type(VT::UInt8).u64(0);
  expectError(openError(deep.bytes, &path), path, "nested deeper");

  Encoder alignment;
  alignment.header(3, 0, 1).key("general.alignment", VT::UInt32).u32(48);
  expectError(openError(alignment.bytes, &path), path,
              "'general.alignment' is 48, not a power of two");

  Encoder alignmentType;
  alignmentType.header(3, 0, 1).key("general.alignment", VT::UInt64).u64(32);
  expectError(openError(alignmentType.bytes, &path), path,
              "'general.alignment' has type uint64");
}

TEST(GGUFReaderTest, RejectsMalformedTensorInfos) {
  std::string path;
  auto one = [](StringRef name, std::vector<uint64_t> ne, uint32_t type,
                uint64_t offset) {
    Encoder e;
    e.header(3, 1, 0).tensor(name, std::move(ne), type, offset).pad(32);
    e.bytes.append(4096, '\0');
    return e.bytes;
  };
  expectError(openError(one("w", {4, 1, 1, 1, 1}, 0, 0), &path), path,
              "tensor 'w' has 5 dimensions");
  expectError(openError(one("w", {4}, 4, 0), &path), path,
              "tensor 'w' has unknown ggml type 4");
  expectError(openError(one("w", {4}, 1000, 0), &path), path,
              "unknown ggml type 1000");
  expectError(openError(one("w", {48, 2}, /*Q8_0*/ 8, 0), &path), path,
              "tensor 'w' has rows of 48 elements");
  expectError(openError(one("w", {4}, 0, 16), &path), path,
              "tensor 'w' has offset 16, not a multiple of the alignment 32");
  expectError(openError(one("w", {uint64_t(1) << 63}, 0, 0), &path), path,
              "tensor 'w' has a negative dimension");

  Encoder duplicate;
  duplicate.header(3, 2, 0).tensor("w", {4}, 0, 0).tensor("w", {4}, 0, 32);
  duplicate.pad(32).bytes.append(64, '\0');
  expectError(openError(duplicate.bytes, &path), path, "duplicate tensor 'w'");
}

TEST(GGUFReaderTest, RejectsElementCountsOver63Bits) {
  // Q4_0 stores 32 elements in 18 bytes: 2^64 elements take 18 * 2^59
  // bytes, which fits 64 bits, but numElements() would wrap.
  std::string path;
  Encoder e;
  e.header(3, 1, 0).tensor("w", {32, uint64_t(1) << 59}, /*Q4_0*/ 2, 0);
  e.pad(32).bytes.append(64, '\0');
  expectError(openError(e.bytes, &path), path,
              "tensor 'w' is too large: its element count overflows 63 bits");
  // The value of a dimension over 2^63 - 1 is shown unsigned.
  Encoder big;
  big.header(3, 1, 0).tensor("w", {uint64_t(1) << 63}, 0, 0);
  big.pad(32).bytes.append(64, '\0');
  expectError(openError(big.bytes, &path), path,
              "(9223372036854775808, more than 2^63 - 1)");
}

TEST(GGUFReaderTest, ReportsMissingFiles) {
  llvm::Expected<std::unique_ptr<GGUFFile>> opened =
      GGUFFile::open("/nonexistent/x.gguf");
  ASSERT_FALSE(opened);
  EXPECT_NE(llvm::toString(opened.takeError()).find("/nonexistent/x.gguf"),
            std::string::npos);
}

} // namespace
