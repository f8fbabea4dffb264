//===- TokenizerTest.cpp - Tokenizers against llama.cpp and transformers --===//
//
// Exact ids or nothing: a tokenizer that is merely close feeds a model
// prompts it was never trained on.
//  - llama.cpp's own tokenizer tests (../shared/tokenizer-tests: a vocab-only
//    GGUF, texts separated by a line "__ggml_vocab_test__", and the ids
//    llama.cpp's test-tokenizer-0 gives each text with add_special and
//    parse_special off);
//  - the repo's test models' tokenizer.json against the prompt ids and the
//    first 64 eval ids transformers wrote into <name>.ref.json;
//  - decode(encode(line)) == line over the eval text.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Tokenizer.h"

#include "formats/files/GGUFReader.h"
#include "formats/files/GGUFWriter.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

using namespace llmq;
using llvm::StringRef;

/// The ids of an encode() that must succeed; a failure fails the test.
static std::vector<int32_t>
encoded(llvm::Expected<std::vector<int32_t>> ids) {
  if (!ids) {
    ADD_FAILURE() << llvm::toString(ids.takeError());
    return {};
  }
  return std::move(*ids);
}

namespace {

//===----------------------------------------------------------------------===//
// Test data
//===----------------------------------------------------------------------===//

/// The repository root: $LLMQ_SRC_ROOT, else worked out from this file's
/// path (test/unittests/tokenizer/TokenizerTest.cpp). Empty if neither.
std::string srcRoot() {
  if (const char *root = std::getenv("LLMQ_SRC_ROOT"); root && *root)
    return root;
  StringRef file = __FILE__;
  StringRef suffix = "test/unittests/tokenizer/TokenizerTest.cpp";
  if (llvm::sys::path::is_absolute(file) && file.ends_with(suffix))
    return file.drop_back(suffix.size()).rtrim('/').str();
  return {};
}

/// ../shared next to the repository, or $LLMQ_SHARED_DIR.
std::string sharedDir() {
  if (const char *dir = std::getenv("LLMQ_SHARED_DIR"); dir && *dir)
    return dir;
  std::string root = srcRoot();
  return root.empty() ? std::string() : root + "/../shared";
}

std::string joinPath(StringRef a, StringRef b) {
  llvm::SmallString<256> path(a);
  llvm::sys::path::append(path, b);
  return std::string(path);
}

std::optional<std::string> readText(const std::string &path) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer)
    return std::nullopt;
  return (*buffer)->getBuffer().str();
}

std::optional<llvm::json::Value> readJson(const std::string &path) {
  std::optional<std::string> text = readText(path);
  if (!text)
    return std::nullopt;
  llvm::Expected<llvm::json::Value> parsed = llvm::json::parse(*text);
  if (!parsed) {
    llvm::consumeError(parsed.takeError());
    return std::nullopt;
  }
  return std::move(*parsed);
}

/// The integers of a JSON array (-1 for anything else).
std::vector<int32_t> jsonIds(const llvm::json::Array *array) {
  std::vector<int32_t> ids;
  if (array)
    for (const llvm::json::Value &id : *array)
      ids.push_back(int32_t(id.getAsInteger().value_or(-1)));
  return ids;
}

std::string showIds(llvm::ArrayRef<int32_t> ids) {
  std::string out;
  llvm::raw_string_ostream os(out);
  os << '[';
  llvm::interleaveComma(ids, os);
  os << ']';
  return out;
}

/// The lines of `text` without their newlines (no empty last line).
std::vector<std::string> lines(StringRef text) {
  std::vector<std::string> out;
  while (!text.empty()) {
    auto [line, rest] = text.split('\n');
    out.push_back(line.str());
    text = rest;
  }
  return out;
}

template <typename T> T unwrap(llvm::Expected<T> value) {
  if (!value) {
    ADD_FAILURE() << llvm::toString(value.takeError());
    return T();
  }
  return std::move(*value);
}

//===----------------------------------------------------------------------===//
// llama.cpp's test-tokenizer-0 cases
//===----------------------------------------------------------------------===//

struct VocabCase {
  std::string text;
  std::vector<int32_t> ids;
};

/// Reads <vocab>.inp and <vocab>.out as test-tokenizer-0 does: the inputs
/// are separated by "\n__ggml_vocab_test__\n" (the file ends with one), and
/// each output line holds the space-separated ids of one input.
std::optional<std::vector<VocabCase>> readVocabCases(const std::string &gguf) {
  std::optional<std::string> inp = readText(gguf + ".inp");
  std::optional<std::string> outText = readText(gguf + ".out");
  if (!inp || !outText)
    return std::nullopt;
  const std::string sep = "\n__ggml_vocab_test__\n";
  std::vector<std::string> texts;
  for (size_t pos = 0; pos < inp->size();) {
    size_t next = inp->find(sep, pos);
    if (next == std::string::npos) {
      texts.push_back(inp->substr(pos));
      break;
    }
    texts.push_back(inp->substr(pos, next - pos));
    pos = next + sep.size();
  }
  std::vector<std::string> outLines = lines(*outText);
  if (outLines.size() != texts.size())
    return std::nullopt;
  std::vector<VocabCase> cases;
  for (size_t i = 0; i < texts.size(); ++i) {
    VocabCase c{texts[i], {}};
    llvm::SmallVector<StringRef> fields;
    StringRef(outLines[i]).split(fields, ' ', -1, /*KeepEmpty=*/false);
    for (StringRef field : fields) {
      int32_t id;
      if (field.trim().getAsInteger(10, id))
        return std::nullopt;
      c.ids.push_back(id);
    }
    cases.push_back(std::move(c));
  }
  return cases;
}

class LlamaCppVocabTest : public ::testing::TestWithParam<const char *> {};

TEST_P(LlamaCppVocabTest, EncodesAsLlamaCpp) {
  std::string shared = sharedDir();
  if (shared.empty() || !llvm::sys::fs::is_directory(shared))
    GTEST_SKIP() << "no shared directory (set LLMQ_SHARED_DIR)";
  std::string path =
      joinPath(shared, std::string("tokenizer-tests/ggml-vocab-") + GetParam() +
                           ".gguf");
  std::optional<std::vector<VocabCase>> cases = readVocabCases(path);
  ASSERT_TRUE(cases) << "cannot read " << path << ".inp/.out";
  ASSERT_EQ(cases->size(), 46u);

  std::unique_ptr<GGUFFile> file = unwrap(GGUFFile::open(path));
  ASSERT_TRUE(file);
  std::unique_ptr<Tokenizer> tok = unwrap(Tokenizer::fromGGUF(*file));
  ASSERT_TRUE(tok);

  unsigned passed = 0;
  for (const VocabCase &c : *cases) {
    std::vector<int32_t> ids = encoded(tok->encode(c.text, /*addBos=*/false));
    EXPECT_EQ(ids, c.ids) << "text '" << c.text << "'\n  got      "
                          << showIds(ids) << "\n  expected " << showIds(c.ids);
    passed += ids == c.ids;
    EXPECT_EQ(tok->decode(ids), c.text);
  }
  RecordProperty("passed", std::to_string(passed));
}

INSTANTIATE_TEST_SUITE_P(SharedVocabs, LlamaCppVocabTest,
                         ::testing::Values("llama-spm", "phi-3", "gpt-2",
                                           "deepseek-coder"),
                         [](const auto &info) {
                           std::string name = info.param;
                           for (char &c : name)
                             if (!isalnum(uint8_t(c)))
                               c = '_';
                           return name;
                         });

TEST(GGUFVocabTest, ReadsSpecialTokenSettings) {
  std::string shared = sharedDir();
  if (shared.empty() || !llvm::sys::fs::is_directory(shared))
    GTEST_SKIP() << "no shared directory (set LLMQ_SHARED_DIR)";
  auto load = [&](StringRef name) {
    std::string path = joinPath(
        shared, ("tokenizer-tests/ggml-vocab-" + name + ".gguf").str());
    std::unique_ptr<GGUFFile> file = unwrap(GGUFFile::open(path));
    return file ? unwrap(Tokenizer::fromGGUF(*file)) : nullptr;
  };
  std::unique_ptr<Tokenizer> spm = load("llama-spm");
  ASSERT_TRUE(spm);
  EXPECT_EQ(spm->model(), TokenizerModel::SentencePiece);
  EXPECT_EQ(spm->vocabSize(), 32000u);
  EXPECT_EQ(spm->bos(), 1);
  EXPECT_EQ(spm->eos(), 2);
  EXPECT_TRUE(spm->addBos());
  EXPECT_TRUE(spm->addSpacePrefix());
  EXPECT_EQ(spm->tokenText(1), "<s>");
  EXPECT_EQ(spm->tokenType(1), TokenType::Control);
  // bos is prepended when asked; "<s>" in the text is a token only when
  // special tokens are parsed.
  std::vector<int32_t> hello = encoded(spm->encode("Hello", /*addBos=*/true));
  ASSERT_FALSE(hello.empty());
  EXPECT_EQ(hello.front(), 1);
  EXPECT_EQ(encoded(spm->encode("<s>", false, /*parseSpecial=*/true)),
            std::vector<int32_t>{1});
  EXPECT_NE(encoded(spm->encode("<s>", false, /*parseSpecial=*/false)),
            std::vector<int32_t>{1});

  std::unique_ptr<Tokenizer> gpt2 = load("gpt-2");
  ASSERT_TRUE(gpt2);
  EXPECT_EQ(gpt2->model(), TokenizerModel::ByteLevelBPE);
  EXPECT_EQ(gpt2->preTokenizerName(), "gpt-2");
  EXPECT_EQ(gpt2->bos(), 50256);
  EXPECT_FALSE(gpt2->addBos());
  EXPECT_EQ(encoded(gpt2->encode("<|endoftext|>", false, /*parseSpecial=*/true)),
            std::vector<int32_t>{50256});

  std::unique_ptr<Tokenizer> coder = load("deepseek-coder");
  ASSERT_TRUE(coder);
  EXPECT_EQ(coder->preTokenizerName(), "deepseek-coder");
  EXPECT_EQ(coder->bos(), 32013);
  EXPECT_TRUE(coder->addBos());
}

//===----------------------------------------------------------------------===//
// The repo's test models (tokenizer.json) against transformers
//===----------------------------------------------------------------------===//

class ModelTokenizerTest : public ::testing::TestWithParam<const char *> {
protected:
  void SetUp() override {
    std::string root = srcRoot();
    if (root.empty())
      GTEST_SKIP() << "no source root (set LLMQ_SRC_ROOT)";
    std::string name = GetParam();
    std::string models = joinPath(root, "test/models");
    tok = unwrap(Tokenizer::fromTokenizerJson(
        joinPath(models, name + "/tokenizer.json")));
    ASSERT_TRUE(tok);
    std::optional<llvm::json::Value> parsed =
        readJson(joinPath(models, name + ".ref.json"));
    ASSERT_TRUE(parsed && parsed->getAsObject())
        << "cannot read " << name << ".ref.json";
    ref = std::move(*parsed->getAsObject());
  }

  std::unique_ptr<Tokenizer> tok;
  llvm::json::Object ref;
};

TEST_P(ModelTokenizerTest, EncodesPromptsAsTransformers) {
  const llvm::json::Object *greedy = ref.getObject("greedy_fp32");
  ASSERT_TRUE(greedy);
  ASSERT_FALSE(greedy->empty());
  EXPECT_TRUE(tok->addBos());
  for (const auto &[prompt, value] : *greedy) {
    const llvm::json::Object *entry = value.getAsObject();
    ASSERT_TRUE(entry);
    std::vector<int32_t> expected = jsonIds(entry->getArray("prompt_ids"));
    ASSERT_FALSE(expected.empty());
    std::vector<int32_t> ids = encoded(tok->encode(prompt, tok->addBos()));
    EXPECT_EQ(ids, expected)
        << "prompt '" << prompt.str() << "'\n  got      " << showIds(ids)
        << "\n  expected " << showIds(expected);
    EXPECT_EQ(tok->decode(ids), prompt.str());
  }
}

TEST_P(ModelTokenizerTest, EncodesEvalStartAsTransformers) {
  std::string shared = sharedDir();
  std::optional<std::string> eval =
      shared.empty() ? std::nullopt
                     : readText(joinPath(shared, "data/kjv-eval.txt"));
  if (!eval)
    GTEST_SKIP() << "no shared eval text (set LLMQ_SHARED_DIR)";
  // The reference stream is <s> + tokens(line + "\n") per non-empty line.
  std::vector<int32_t> expected = jsonIds(ref.getArray("first64_token_ids"));
  ASSERT_EQ(expected.size(), 64u);
  std::vector<int32_t> stream;
  for (const std::string &line : lines(*eval)) {
    if (line.empty())
      continue;
    stream.push_back(tok->bos());
    std::vector<int32_t> ids = encoded(tok->encode(line + "\n", /*addBos=*/false));
    stream.insert(stream.end(), ids.begin(), ids.end());
    if (stream.size() >= expected.size())
      break;
  }
  stream.resize(expected.size());
  EXPECT_EQ(stream, expected);
}

TEST_P(ModelTokenizerTest, DecodeInvertsEncodeOnEvalText) {
  std::string shared = sharedDir();
  std::optional<std::string> eval =
      shared.empty() ? std::nullopt
                     : readText(joinPath(shared, "data/kjv-eval.txt"));
  if (!eval)
    GTEST_SKIP() << "no shared eval text (set LLMQ_SHARED_DIR)";
  std::vector<std::string> all = lines(*eval);
  ASSERT_GT(all.size(), 1000u);
  unsigned failures = 0;
  for (const std::string &line : all) {
    std::string decoded = tok->decode(encoded(tok->encode(line, tok->addBos())));
    if (decoded != line && ++failures <= 5)
      ADD_FAILURE() << "'" << line << "' decodes as '" << decoded << "'";
  }
  EXPECT_EQ(failures, 0u);
}

INSTANTIATE_TEST_SUITE_P(TestModels, ModelTokenizerTest,
                         ::testing::Values("kjv-tiny", "mistral-tiny-spm"),
                         [](const auto &info) {
                           std::string name = info.param;
                           for (char &c : name)
                             if (!isalnum(uint8_t(c)))
                               c = '_';
                           return name;
                         });

TEST(TokenizerJsonTest, ReadsSpecialTokensFromTokenizerConfig) {
  std::string root = srcRoot();
  if (root.empty())
    GTEST_SKIP() << "no source root (set LLMQ_SRC_ROOT)";
  std::unique_ptr<Tokenizer> byteLevel = unwrap(Tokenizer::fromTokenizerJson(
      joinPath(root, "test/models/kjv-tiny/tokenizer.json")));
  ASSERT_TRUE(byteLevel);
  EXPECT_EQ(byteLevel->model(), TokenizerModel::ByteLevelBPE);
  EXPECT_EQ(byteLevel->preTokenizerName(), "gpt-2");
  EXPECT_EQ(byteLevel->bos(), 0);
  EXPECT_EQ(byteLevel->eos(), 1);
  EXPECT_EQ(byteLevel->vocabSize(), 2048u);
  EXPECT_EQ(encoded(byteLevel->encode("<s>", false, /*parseSpecial=*/true)),
            std::vector<int32_t>{0});

  std::unique_ptr<Tokenizer> spm = unwrap(Tokenizer::fromTokenizerJson(
      joinPath(root, "test/models/mistral-tiny-spm/tokenizer.json")));
  ASSERT_TRUE(spm);
  EXPECT_EQ(spm->model(), TokenizerModel::SentencePiece);
  EXPECT_EQ(spm->bos(), 1);
  EXPECT_EQ(spm->eos(), 2);
  EXPECT_EQ(spm->unk(), 0);
  EXPECT_TRUE(spm->addSpacePrefix());
  // '\n' is not in the vocabulary: it falls back to its byte token.
  std::vector<int32_t> newline = encoded(spm->encode("\n", false));
  ASSERT_FALSE(newline.empty());
  EXPECT_EQ(newline.back(), spm->tokenId("<0x0A>"));
}

//===----------------------------------------------------------------------===//
// GGUF vocabularies
//===----------------------------------------------------------------------===//

/// A GGUF written the way llmq's exporter writes a SentencePiece-style
/// tokenizer (scores -id, in merge order) encodes as the tokenizer.json.
TEST(GGUFTokenizerTest, ExportedSentencePieceMatchesTokenizerJson) {
  std::string root = srcRoot();
  std::string shared = sharedDir();
  std::optional<std::string> eval =
      shared.empty() ? std::nullopt
                     : readText(joinPath(shared, "data/kjv-eval.txt"));
  if (root.empty() || !eval)
    GTEST_SKIP() << "no source root or shared eval text";
  std::unique_ptr<Tokenizer> fromJson = unwrap(Tokenizer::fromTokenizerJson(
      joinPath(root, "test/models/mistral-tiny-spm/tokenizer.json")));
  ASSERT_TRUE(fromJson);

  std::vector<std::string> tokens;
  std::vector<float> scores;
  std::vector<int32_t> types;
  for (size_t id = 0; id < fromJson->vocabSize(); ++id) {
    tokens.push_back(fromJson->tokenText(id).str());
    TokenType type = fromJson->tokenType(id);
    scores.push_back(type == TokenType::Normal ? -float(id) : 0.0f);
    types.push_back(static_cast<int32_t>(type));
  }
  GGUFWriter writer;
  writer.addString("general.architecture", "llama");
  writer.addString("tokenizer.ggml.model", "llama");
  writer.addString("tokenizer.ggml.pre", "default");
  writer.addStringArray("tokenizer.ggml.tokens", tokens);
  writer.addFloat32Array("tokenizer.ggml.scores", scores);
  writer.addInt32Array("tokenizer.ggml.token_type", types);
  writer.addUInt32("tokenizer.ggml.unknown_token_id", fromJson->unk());
  writer.addUInt32("tokenizer.ggml.bos_token_id", fromJson->bos());
  writer.addUInt32("tokenizer.ggml.eos_token_id", fromJson->eos());
  writer.addBool("tokenizer.ggml.add_bos_token", fromJson->addBos());
  writer.addBool("tokenizer.ggml.add_space_prefix", true);

  llvm::SmallString<128> path;
  ASSERT_FALSE(llvm::sys::fs::createTemporaryFile("llmq-spm", "gguf", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    writer.writeHeader(os);
  }
  std::unique_ptr<GGUFFile> file = unwrap(GGUFFile::open(path));
  ASSERT_TRUE(file);
  std::unique_ptr<Tokenizer> fromGGUF = unwrap(Tokenizer::fromGGUF(*file));
  ASSERT_TRUE(fromGGUF);
  unsigned mismatches = 0;
  for (const std::string &line : lines(*eval)) {
    std::vector<int32_t> a = encoded(fromJson->encode(line + "\n", true));
    std::vector<int32_t> b = encoded(fromGGUF->encode(line + "\n", true));
    if (a != b && ++mismatches <= 5)
      ADD_FAILURE() << "'" << line << "': tokenizer.json " << showIds(a)
                    << ", GGUF " << showIds(b);
  }
  EXPECT_EQ(mismatches, 0u);
  llvm::sys::fs::remove(path);
}

TEST(GGUFTokenizerTest, ReadsStories260K) {
  std::string shared = sharedDir();
  std::string path =
      shared.empty() ? "" : joinPath(shared, "models/stories260K.gguf");
  if (path.empty() || !llvm::sys::fs::exists(path))
    GTEST_SKIP() << "no shared models (set LLMQ_SHARED_DIR)";
  std::unique_ptr<GGUFFile> file = unwrap(GGUFFile::open(path));
  ASSERT_TRUE(file);
  std::unique_ptr<Tokenizer> tok = unwrap(Tokenizer::fromGGUF(*file));
  ASSERT_TRUE(tok);
  EXPECT_EQ(tok->vocabSize(), 512u);
  EXPECT_EQ(tok->model(), TokenizerModel::SentencePiece);
  EXPECT_EQ(tok->bos(), 1);
  std::string text = "Once upon a time, there was a little girl named Lily.";
  std::vector<int32_t> ids = encoded(tok->encode(text, true));
  ASSERT_GT(ids.size(), 2u);
  EXPECT_EQ(ids[0], 1);
  EXPECT_EQ(tok->decode(ids), text);
}

TEST(GGUFTokenizerTest, ErrorsNameTheFileAndKey) {
  GGUFWriter writer;
  writer.addString("general.architecture", "llama");
  writer.addString("tokenizer.ggml.model", "llama");
  writer.addUInt32("tokenizer.ggml.tokens", 3);
  llvm::SmallString<128> path;
  ASSERT_FALSE(
      llvm::sys::fs::createTemporaryFile("llmq-bad-vocab", "gguf", path));
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    ASSERT_FALSE(ec);
    writer.writeHeader(os);
  }
  std::unique_ptr<GGUFFile> file = unwrap(GGUFFile::open(path));
  ASSERT_TRUE(file);
  llvm::Expected<std::unique_ptr<Tokenizer>> tok = Tokenizer::fromGGUF(*file);
  ASSERT_FALSE(tok);
  std::string message = llvm::toString(tok.takeError());
  EXPECT_NE(message.find(std::string(path)), std::string::npos) << message;
  EXPECT_NE(message.find("tokenizer.ggml.tokens"), std::string::npos)
      << message;
  llvm::sys::fs::remove(path);

  llvm::Expected<std::unique_ptr<Tokenizer>> missing =
      Tokenizer::fromTokenizerJson("/nonexistent/tokenizer.json");
  ASSERT_FALSE(missing);
  EXPECT_NE(
      llvm::toString(missing.takeError()).find("/nonexistent/tokenizer.json"),
      std::string::npos);
}

} // namespace
