//===- NormalizerTest.cpp - tokenizer.json normalizers and added tokens ---===//
//
//  - the Unicode normalization forms against the Unicode Character
//    Database's own NormalizationTest.txt (NormalizationTest.inc, generated
//    by scripts/gen-unicode-tables.py), and the cases that go wrong first:
//    canonical order, Hangul, composition exclusions, blocked marks;
//  - Lowercase, Strip, Replace, Prepend and their order in a Sequence, as
//    Hugging Face tokenizers' normalizers behave;
//  - tokenizer.json added tokens matched as tokenizers matches them
//    (added_vocabulary.rs: leftmost-longest, lstrip/rstrip, single_word,
//    normalized, special with split_special_tokens), on small byte-level
//    tokenizers written by the test.
//
//===----------------------------------------------------------------------===//

#include "runtime/tokenizer/Normalizer.h"
#include "runtime/tokenizer/Tokenizer.h"
#include "runtime/tokenizer/Unicode.h"

#include "llvm/ADT/SmallString.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/JSON.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

#include "gtest/gtest.h"

#include <string>
#include <vector>

using namespace llmq;
using llvm::StringRef;
using unicode::NormalForm;

namespace {

struct NormalizationCase {
  const char *source, *nfc, *nfd, *nfkc, *nfkd;
};

#include "NormalizationTest.inc"

std::string hex(StringRef text) {
  std::string out;
  llvm::raw_string_ostream os(out);
  for (char c : text)
    os << llvm::format_hex_no_prefix(uint8_t(c), 2) << ' ';
  return out;
}

//===----------------------------------------------------------------------===//
// Normalization forms
//===----------------------------------------------------------------------===//

/// NormalizationTest.txt's invariants: c2 == NFC(c1) == NFC(c2) ==
/// NFC(c3), c4 == NFC(c4) == NFC(c5); c3 == NFD(c1..c3), c5 == NFD(c4, c5);
/// c4 == NFKC(c1..c5); c5 == NFKD(c1..c5).
TEST(UnicodeNormalizeTest, ConformsToNormalizationTest) {
  ASSERT_GT(std::size(kNormalizationCases), 2000u);
  unsigned failures = 0;
  auto check = [&](const char *input, NormalForm form, const char *expected,
                   const char *name) {
    std::string got = unicode::normalize(input, form);
    if (got != expected && ++failures <= 10)
      ADD_FAILURE() << name << "(" << hex(input) << ") = " << hex(got)
                    << ", expected " << hex(expected);
  };
  for (const NormalizationCase &c : kNormalizationCases) {
    for (const char *in : {c.source, c.nfc, c.nfd})
      check(in, NormalForm::NFC, c.nfc, "NFC");
    for (const char *in : {c.nfkc, c.nfkd})
      check(in, NormalForm::NFC, c.nfkc, "NFC");
    for (const char *in : {c.source, c.nfc, c.nfd})
      check(in, NormalForm::NFD, c.nfd, "NFD");
    for (const char *in : {c.nfkc, c.nfkd})
      check(in, NormalForm::NFD, c.nfkd, "NFD");
    for (const char *in : {c.source, c.nfc, c.nfd, c.nfkc, c.nfkd}) {
      check(in, NormalForm::NFKC, c.nfkc, "NFKC");
      check(in, NormalForm::NFKD, c.nfkd, "NFKD");
    }
  }
  EXPECT_EQ(failures, 0u);
  EXPECT_EQ(unicode::tablesVersion(), "15.0.0");
}

TEST(UnicodeNormalizeTest, ComposesCombiningAccent) {
  // "e" + COMBINING ACUTE ACCENT is U+00E9 in NFC, and back in NFD.
  EXPECT_EQ(unicode::normalize("e\xcc\x81", NormalForm::NFC), "\xc3\xa9");
  EXPECT_EQ(unicode::normalize("\xc3\xa9", NormalForm::NFD), "e\xcc\x81");
  EXPECT_EQ(unicode::normalize("caf\xc3\xa9", NormalForm::NFC), "caf\xc3\xa9");
  EXPECT_EQ(unicode::normalize("plain ASCII", NormalForm::NFKD), "plain ASCII");
}

TEST(UnicodeNormalizeTest, OrdersCombiningMarksCanonically) {
  // q + DOT ABOVE (230) + DOT BELOW (220): the marks swap; q has no
  // precomposed form with either.
  EXPECT_EQ(unicode::normalize("q\xcc\x87\xcc\xa3", NormalForm::NFC),
            "q\xcc\xa3\xcc\x87");
  // D + DOT ABOVE + DOT BELOW: D composes with the dot below (U+1E0C),
  // which is first in canonical order, then the dot above stays.
  EXPECT_EQ(unicode::normalize("D\xcc\x87\xcc\xa3", NormalForm::NFC),
            "\xe1\xb8\x8c\xcc\x87");
  // Marks of the same class keep their order (stable sort): a + ACUTE +
  // GRAVE composes the acute only.
  EXPECT_EQ(unicode::normalize("a\xcc\x81\xcc\x80", NormalForm::NFC),
            "\xc3\xa1\xcc\x80");
  // A mark of the same class in between blocks the composition: e + ACUTE
  // + ACUTE gives U+00E9 and a lone acute.
  EXPECT_EQ(unicode::normalize("e\xcc\x81\xcc\x81", NormalForm::NFC),
            "\xc3\xa9\xcc\x81");
}

TEST(UnicodeNormalizeTest, ComposesHangulAlgorithmically) {
  // U+1100 U+1161 U+11A8 (jamo KIYEOK, A, KIYEOK) is U+AC01.
  const char *jamo = "\xe1\x84\x80\xe1\x85\xa1\xe1\x86\xa8";
  EXPECT_EQ(unicode::normalize(jamo, NormalForm::NFC), "\xea\xb0\x81");
  EXPECT_EQ(unicode::normalize("\xea\xb0\x81", NormalForm::NFD), jamo);
  // LV syllable U+AC00 + trailing jamo U+11A8 composes to LVT U+AC01.
  EXPECT_EQ(unicode::normalize("\xea\xb0\x80\xe1\x86\xa8", NormalForm::NFC),
            "\xea\xb0\x81");
  // A leading consonant alone stays; an LVT syllable takes no more jamo.
  EXPECT_EQ(unicode::normalize("\xe1\x84\x80", NormalForm::NFC),
            "\xe1\x84\x80");
  EXPECT_EQ(unicode::normalize("\xea\xb0\x81\xe1\x86\xa8", NormalForm::NFC),
            "\xea\xb0\x81\xe1\x86\xa8");
}

TEST(UnicodeNormalizeTest, HonoursCompositionExclusions) {
  // U+0958 DEVANAGARI LETTER QA is excluded from composition: NFC leaves
  // it decomposed (U+0915 U+093C).
  EXPECT_EQ(unicode::normalize("\xe0\xa5\x98", NormalForm::NFC),
            "\xe0\xa4\x95\xe0\xa4\xbc");
  // Singleton: OHM SIGN U+2126 becomes GREEK CAPITAL OMEGA U+03A9.
  EXPECT_EQ(unicode::normalize("\xe2\x84\xa6", NormalForm::NFC), "\xce\xa9");
  // Non-starter decomposition: U+0344 becomes U+0308 U+0301.
  EXPECT_EQ(unicode::normalize("\xcd\x84", NormalForm::NFC),
            "\xcc\x88\xcc\x81");
}

TEST(UnicodeNormalizeTest, CompatibilityForms) {
  // Full-width "ＡＢ" and the "ﬁ" ligature fold in NFKC only.
  EXPECT_EQ(unicode::normalize("\xef\xbc\xa1\xef\xbc\xa2", NormalForm::NFKC),
            "AB");
  EXPECT_EQ(unicode::normalize("\xef\xbc\xa1", NormalForm::NFC),
            "\xef\xbc\xa1");
  EXPECT_EQ(unicode::normalize("\xef\xac\x81", NormalForm::NFKC), "fi");
  // U+00BD VULGAR FRACTION ONE HALF: "1" U+2044 "2".
  EXPECT_EQ(unicode::normalize("\xc2\xbd", NormalForm::NFKD), "1\xe2\x81\x84"
                                                              "2");
}

TEST(UnicodeNormalizeTest, KeepsInvalidBytes) {
  // A stray byte is kept and blocks composition across it.
  EXPECT_EQ(unicode::normalize("e\xff\xcc\x81", NormalForm::NFC),
            "e\xff\xcc\x81");
  EXPECT_EQ(unicode::normalize("\xc3", NormalForm::NFC), "\xc3");
  EXPECT_EQ(unicode::normalize("\xed\xa0\x80", NormalForm::NFD),
            "\xed\xa0\x80"); // an encoded surrogate
}

//===----------------------------------------------------------------------===//
// Normalizer steps
//===----------------------------------------------------------------------===//

using Kind = NormalizerStep::Kind;

NormalizerStep step(Kind kind) { return NormalizerStep{kind, {}, {}}; }

std::string run(std::vector<NormalizerStep> steps, StringRef text) {
  llvm::Expected<std::unique_ptr<Normalizer>> normalizer =
      Normalizer::create(steps);
  if (!normalizer) {
    ADD_FAILURE() << llvm::toString(normalizer.takeError());
    return {};
  }
  llvm::Expected<std::string> out = (*normalizer)->apply(text);
  if (!out) {
    ADD_FAILURE() << llvm::toString(out.takeError());
    return {};
  }
  return *out;
}

NormalizerStep replace(StringRef pattern, StringRef content,
                       bool regex = false) {
  NormalizerStep out{Kind::Replace, pattern.str(), content.str()};
  out.regex = regex;
  return out;
}

TEST(NormalizerTest, Lowercase) {
  // Rust's char::to_lowercase: U+0130 (I with dot) is "i" + U+0307, final
  // sigma is not context-dependent.
  EXPECT_EQ(run({step(Kind::Lowercase)}, "\xc3\x80"
                                         "BC \xc4\xb0 \xce\xa3\xce\xa3"),
            "\xc3\xa0"
            "bc i\xcc\x87 \xcf\x83\xcf\x83");
  EXPECT_EQ(run({step(Kind::Lowercase)}, "already lower"), "already lower");
}

TEST(NormalizerTest, Strip) {
  NormalizerStep both = step(Kind::Strip);
  both.left = both.right = true;
  NormalizerStep left = step(Kind::Strip);
  left.left = true;
  NormalizerStep right = step(Kind::Strip);
  right.right = true;
  // U+3000 IDEOGRAPHIC SPACE and U+00A0 are White_Space too.
  StringRef text = " \xe3\x80\x80\tx y\xc2\xa0\n";
  EXPECT_EQ(run({both}, text), "x y");
  EXPECT_EQ(run({left}, text), "x y\xc2\xa0\n");
  EXPECT_EQ(run({right}, text), " \xe3\x80\x80\tx y");
  EXPECT_EQ(run({both}, " \t "), "");
}

TEST(NormalizerTest, Replace) {
  EXPECT_EQ(run({replace(" ", "\xe2\x96\x81")}, "a b  c"),
            "a\xe2\x96\x81"
            "b\xe2\x96\x81\xe2\x96\x81"
            "c");
  // Non-overlapping, left to right.
  EXPECT_EQ(run({replace("aa", "b")}, "aaaaa"), "bba");
  EXPECT_EQ(run({replace("``", "\"")}, "``quoted''"), "\"quoted''");
  // Regex patterns (tokenizer.json {"Regex": ...}).
  EXPECT_EQ(run({replace(" {2,}", " ", /*regex=*/true)}, "a   b  c d"),
            "a b c d");
  EXPECT_EQ(run({replace("\\p{Nd}+", "#", /*regex=*/true)}, "x12y3"), "x#y#");
  // An empty match replaces nothing.
  EXPECT_EQ(run({replace("z*", "-", /*regex=*/true)}, "abzzc"), "ab-c");
}

TEST(NormalizerTest, Prepend) {
  NormalizerStep prepend{Kind::Prepend, "", "\xe2\x96\x81"};
  EXPECT_EQ(run({prepend}, "x"), "\xe2\x96\x81x");
  // Empty text stays empty, as in tokenizers.
  EXPECT_EQ(run({prepend}, ""), "");
}

TEST(NormalizerTest, SequenceRunsInOrder) {
  NormalizerStep prepend{Kind::Prepend, "", "\xe2\x96\x81"};
  // Llama 2's normalizer: the prefix, then spaces escaped.
  EXPECT_EQ(run({prepend, replace(" ", "\xe2\x96\x81")}, "a b"), "\xe2\x96\x81"
                                                                 "a\xe2\x96\x81"
                                                                 "b");
  // The other way round the prefix is escaped by nothing: the same here,
  // but a Replace of the prefix itself shows the order.
  EXPECT_EQ(run({replace("\xe2\x96\x81", "_"), prepend}, "a"), "\xe2\x96\x81"
                                                               "a");
  EXPECT_EQ(run({prepend, replace("\xe2\x96\x81", "_")}, "a"), "_a");
  // NFKC then Lowercase: full-width "Ａ" becomes "a".
  EXPECT_EQ(run({step(Kind::NFKC), step(Kind::Lowercase)}, "\xef\xbc\xa1"),
            "a");
  EXPECT_EQ(run({step(Kind::NFD), step(Kind::NFC)}, "e\xcc\x81"), "\xc3\xa9");
}

TEST(NormalizerTest, RefusesRunawayGrowth) {
  // A hostile tokenizer.json: every "a" becomes 100 kB.
  std::string huge(100000, 'x');
  auto normalizer = Normalizer::create({replace("a", huge)});
  ASSERT_TRUE(bool(normalizer));
  EXPECT_EQ(*(*normalizer)->apply("b"), "b");
  llvm::Expected<std::string> out = (*normalizer)->apply("aaaa");
  ASSERT_FALSE(out);
  EXPECT_EQ(llvm::toString(out.takeError()),
            "Replace normalizer makes more than 65664 bytes of 4 bytes of "
            "text");
  auto regex = Normalizer::create({replace("a+", huge, /*regex=*/true)});
  ASSERT_TRUE(bool(regex));
  EXPECT_FALSE(bool((*regex)->apply("a b")));
  llvm::consumeError((*regex)->apply("a b").takeError());
  NormalizerStep prepend{Kind::Prepend, "", huge};
  auto prepending = Normalizer::create({prepend});
  ASSERT_TRUE(bool(prepending));
  llvm::Expected<std::string> prepended = (*prepending)->apply("x");
  ASSERT_FALSE(prepended);
  EXPECT_EQ(llvm::toString(prepended.takeError()),
            "Prepend normalizer makes more than 65568 bytes of 1 bytes of "
            "text");
  // Real growth is far below the bound: NFKD of U+FDFA is 33 bytes.
  EXPECT_EQ(run({step(Kind::NFKD)}, "\xef\xb7\xba").size(), 33u);
}

TEST(NormalizerTest, RefusesBadPatterns) {
  llvm::Expected<std::unique_ptr<Normalizer>> empty =
      Normalizer::create({replace("", "x")});
  ASSERT_FALSE(empty);
  EXPECT_EQ(llvm::toString(empty.takeError()),
            "Replace normalizer has an empty pattern");
  llvm::Expected<std::unique_ptr<Normalizer>> bad =
      Normalizer::create({replace("(unclosed", "x", /*regex=*/true)});
  ASSERT_FALSE(bad);
  EXPECT_NE(llvm::toString(bad.takeError())
                .find("Replace normalizer regex '(unclosed'"),
            std::string::npos);
}

//===----------------------------------------------------------------------===//
// Added tokens and normalizers in tokenizer.json
//===----------------------------------------------------------------------===//

struct AddedToken {
  const char *content;
  bool special = false;
  bool normalized = false;
  bool lstrip = false, rstrip = false, singleWord = false;
};

/// A byte-level BPE tokenizer.json without merges: id b is byte b; added
/// tokens get 256, 257, ... Written to a fresh directory.
class AddedTokensTest : public ::testing::Test {
protected:
  void TearDown() override {
    if (!dir.empty())
      llvm::sys::fs::remove_directories(dir);
  }

  std::unique_ptr<Tokenizer> make(llvm::json::Value normalizer,
                                  std::vector<AddedToken> added) {
    llvm::json::Object vocab;
    for (unsigned b = 0; b < 256; ++b) {
      std::string text;
      char byte = char(b);
      unicode::appendByteLevel(StringRef(&byte, 1), text);
      vocab[text] = int64_t(b);
    }
    llvm::json::Array addedJson;
    for (size_t i = 0; i < added.size(); ++i)
      addedJson.push_back(
          llvm::json::Object{{"id", int64_t(256 + i)},
                             {"content", added[i].content},
                             {"special", added[i].special},
                             {"normalized", added[i].normalized},
                             {"lstrip", added[i].lstrip},
                             {"rstrip", added[i].rstrip},
                             {"single_word", added[i].singleWord}});
    llvm::json::Object json{
        {"added_tokens", std::move(addedJson)},
        {"normalizer", std::move(normalizer)},
        {"pre_tokenizer", llvm::json::Object{{"type", "ByteLevel"},
                                             {"add_prefix_space", false},
                                             {"use_regex", true}}},
        {"model", llvm::json::Object{{"type", "BPE"},
                                     {"vocab", std::move(vocab)},
                                     {"merges", llvm::json::Array{}}}}};
    if (dir.empty()) {
      llvm::SmallString<128> created;
      if (llvm::sys::fs::createUniqueDirectory("llmq-added-tokens", created))
        return nullptr;
      dir = std::string(created);
    }
    std::string path = dir + "/tokenizer.json";
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    if (ec)
      return nullptr;
    os << llvm::json::Value(std::move(json));
    os.close();
    llvm::Expected<std::unique_ptr<Tokenizer>> tok =
        Tokenizer::fromTokenizerJson(path);
    if (!tok) {
      ADD_FAILURE() << llvm::toString(tok.takeError());
      return nullptr;
    }
    return std::move(*tok);
  }

  static std::vector<int32_t> ids(const Tokenizer &tok, StringRef text,
                                  bool parseSpecial = true) {
    llvm::Expected<std::vector<int32_t>> out =
        tok.encode(text, false, parseSpecial);
    if (!out) {
      ADD_FAILURE() << llvm::toString(out.takeError());
      return {};
    }
    return *out;
  }

  /// The byte ids of `text`.
  static std::vector<int32_t> bytes(StringRef text) {
    std::vector<int32_t> out;
    for (char c : text)
      out.push_back(uint8_t(c));
    return out;
  }

  static std::vector<int32_t> concat(std::vector<std::vector<int32_t>> parts) {
    std::vector<int32_t> out;
    for (const auto &part : parts)
      out.insert(out.end(), part.begin(), part.end());
    return out;
  }

  std::string dir;
};

TEST_F(AddedTokensTest, NFCNormalizerComposesAccents) {
  auto nfc = make(llvm::json::Object{{"type", "NFC"}}, {});
  ASSERT_TRUE(nfc);
  EXPECT_EQ(ids(*nfc, "e\xcc\x81"), bytes("\xc3\xa9"));
  EXPECT_EQ(ids(*nfc, "caf\xc3\xa9"), bytes("caf\xc3\xa9"));
  auto none = make(nullptr, {});
  ASSERT_TRUE(none);
  EXPECT_EQ(ids(*none, "e\xcc\x81"), bytes("e\xcc\x81"));
  auto sequence = make(
      llvm::json::Object{
          {"type", "Sequence"},
          {"normalizers",
           llvm::json::Array{llvm::json::Object{{"type", "NFKC"}},
                             llvm::json::Object{{"type", "Lowercase"}}}}},
      {});
  ASSERT_TRUE(sequence);
  EXPECT_EQ(ids(*sequence, "\xef\xbc\xa1"
                           "Bc"),
            bytes("abc"));
}

TEST_F(AddedTokensTest, UnsupportedNormalizerIsAnError) {
  llvm::json::Object vocab{{"a", 0}};
  ASSERT_TRUE(make(nullptr, {}));
  std::string path = dir + "/tokenizer.json";
  {
    std::error_code ec;
    llvm::raw_fd_ostream os(path, ec);
    os << llvm::json::Value(llvm::json::Object{
        {"normalizer", llvm::json::Object{{"type", "Precompiled"}}},
        {"pre_tokenizer", llvm::json::Object{{"type", "ByteLevel"}}},
        {"model", llvm::json::Object{{"type", "BPE"},
                                     {"vocab", std::move(vocab)},
                                     {"merges", llvm::json::Array{}}}}});
  }
  llvm::Expected<std::unique_ptr<Tokenizer>> tok =
      Tokenizer::fromTokenizerJson(path);
  ASSERT_FALSE(tok);
  EXPECT_EQ(llvm::toString(tok.takeError()),
            path + ": normalizer 'Precompiled' is not supported");
}

TEST_F(AddedTokensTest, LeftmostLongestMatch) {
  // "ab" starts first, so it wins over the longer "bcd" (llama.cpp's
  // longest-first order would take "bcd").
  auto tok = make(nullptr, {{"ab"}, {"bcd"}, {"abc"}});
  ASSERT_TRUE(tok);
  EXPECT_EQ(ids(*tok, "abcd"), concat({{258}, bytes("d")}));
  EXPECT_EQ(ids(*tok, "xbcd ab"),
            concat({bytes("x"), {257}, bytes(" "), {256}}));
}

TEST_F(AddedTokensTest, SpecialTokensFollowParseSpecial) {
  auto tok = make(nullptr, {{"<|begin_of_text|>", /*special=*/true},
                            {"<think>", /*special=*/false}});
  ASSERT_TRUE(tok);
  EXPECT_EQ(ids(*tok, "<|begin_of_text|>Hi<think>"),
            concat({{256}, bytes("Hi"), {257}}));
  // split_special_tokens: special ones are text, the others still match.
  EXPECT_EQ(ids(*tok, "<|begin_of_text|>Hi<think>", /*parseSpecial=*/false),
            concat({bytes("<|begin_of_text|>Hi"), {257}}));
}

TEST_F(AddedTokensTest, StripAndSingleWord) {
  AddedToken mask{"<mask>", true};
  mask.lstrip = mask.rstrip = true;
  AddedToken word{"ab"};
  word.singleWord = true;
  auto tok = make(nullptr, {mask, word});
  ASSERT_TRUE(tok);
  // Unicode whitespace (U+3000 too) goes with the token.
  EXPECT_EQ(ids(*tok, "x \xe3\x80\x80<mask>\t y"),
            concat({bytes("x"), {256}, bytes("y")}));
  // "ab" only as a word of its own.
  EXPECT_EQ(ids(*tok, "ab cab ab_ ab"),
            concat({{257}, bytes(" cab ab_ "), {257}}));
  EXPECT_EQ(ids(*tok, "\xc3\xa9"
                      "ab"),
            bytes("\xc3\xa9"
                  "ab"));
}

TEST_F(AddedTokensTest, NormalizedTokensMatchNormalizedText) {
  AddedToken hello{"Hello"};
  hello.normalized = true;
  AddedToken raw{"<X>", /*special=*/true};
  auto tok = make(llvm::json::Object{{"type", "Lowercase"}}, {hello, raw});
  ASSERT_TRUE(tok);
  // "HELLO" lowercases to "hello", which is the normalized "Hello".
  EXPECT_EQ(ids(*tok, "HELLO<X>"), concat({{256}, {257}}));
  // A token matched as written is found before normalization: "<x>" is
  // not "<X>".
  EXPECT_EQ(ids(*tok, "<x>"), bytes("<x>"));
}

} // namespace
