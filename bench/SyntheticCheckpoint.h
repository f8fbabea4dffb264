//===- SyntheticCheckpoint.h - A fake Llama checkpoint for benches -*- C++ -*-===//
//
// Shared by the benches: writes a Hugging Face checkpoint directory
// (model.safetensors, config.json, a minimal tokenizer.json or a real one
// copied in) of any Llama shape, and runs a tool as a child process to read
// its wall time and peak resident memory. Header-only: benches are single
// files.
//
// Values: by default small positive bf16 values (what the memory benches
// need: non-zero, cheap to write). With Shape::signedValues, matrices get
// signed uniform values of standard deviation Shape::stddev from a fixed
// generator and norms get 1.0, as a freshly initialised model: what the
// speed benches run, so that activations and quantizers see realistic data.
//
//===----------------------------------------------------------------------===//

#ifndef LLMQ_BENCH_SYNTHETICCHECKPOINT_H
#define LLMQ_BENCH_SYNTHETICCHECKPOINT_H

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vector>

namespace bench {


struct Tensor {
  std::string name;
  std::vector<int64_t> shape;
  uint64_t bytes() const {
    uint64_t n = 2;
    for (int64_t d : shape)
      n *= d;
    return n;
  }
};

struct Shape {
  int64_t hidden = 2048, heads = 16, kvHeads = 8, ffn = 5632, vocab = 32000;
  int64_t layers = 1;
  /// No lm_head.weight; config says tie_word_embeddings.
  bool tied = false;
  /// Signed values of standard deviation `stddev` (norms 1.0) instead of
  /// small positive ones.
  bool signedValues = false;
  double stddev = 0.02;
  int64_t bos = 1, eos = 2, maxPositions = 4096;
  double ropeTheta = 10000.0;
  /// A directory holding tokenizer.json (and tokenizer_config.json) to copy
  /// into the checkpoint instead of the minimal tokenizer.
  std::string tokenizerDir;
};

inline std::vector<Tensor> makeTensors(const Shape &s) {
  int64_t headDim = s.hidden / s.heads;
  std::vector<Tensor> t;
  t.push_back({"model.embed_tokens.weight", {s.vocab, s.hidden}});
  for (int64_t i = 0; i < s.layers; ++i) {
    std::string p = "model.layers." + std::to_string(i) + ".";
    t.push_back({p + "input_layernorm.weight", {s.hidden}});
    t.push_back({p + "self_attn.q_proj.weight", {s.heads * headDim, s.hidden}});
    t.push_back({p + "self_attn.k_proj.weight", {s.kvHeads * headDim, s.hidden}});
    t.push_back({p + "self_attn.v_proj.weight", {s.kvHeads * headDim, s.hidden}});
    t.push_back({p + "self_attn.o_proj.weight", {s.hidden, s.heads * headDim}});
    t.push_back({p + "post_attention_layernorm.weight", {s.hidden}});
    t.push_back({p + "mlp.gate_proj.weight", {s.ffn, s.hidden}});
    t.push_back({p + "mlp.up_proj.weight", {s.ffn, s.hidden}});
    t.push_back({p + "mlp.down_proj.weight", {s.hidden, s.ffn}});
  }
  t.push_back({"model.norm.weight", {s.hidden}});
  if (!s.tied)
    t.push_back({"lm_head.weight", {s.vocab, s.hidden}});
  return t;
}

inline bool writeFile(const std::string &path, const std::string &text) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f)
    return false;
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  return fclose(f) == 0 && ok;
}

inline bool copyFile(const std::string &from, const std::string &to) {
  FILE *in = fopen(from.c_str(), "rb");
  if (!in)
    return false;
  FILE *out = fopen(to.c_str(), "wb");
  if (!out) {
    fclose(in);
    return false;
  }
  std::vector<char> buffer(1 << 20);
  bool ok = true;
  for (size_t n; (n = fread(buffer.data(), 1, buffer.size(), in)) > 0;)
    ok = ok && fwrite(buffer.data(), 1, n, out) == n;
  ok = ok && !ferror(in);
  fclose(in);
  return fclose(out) == 0 && ok;
}

/// Signed uniform bf16 values of standard deviation `stddev` from a 64-bit
/// xorshift generator, rounded to nearest even: the same stream on every
/// machine.
struct SignedBf16Generator {
  uint64_t state = 0x9e3779b97f4a7c15ull;
  float scale;
  explicit SignedBf16Generator(double stddev)
      // uniform on [-a, a] has standard deviation a / sqrt(3); 2^-31 maps
      // int32 onto [-1, 1).
      : scale(static_cast<float>(stddev * 1.7320508075688772 / 2147483648.0)) {}
  uint16_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    float v = static_cast<float>(static_cast<int32_t>(state >> 32)) * scale;
    uint32_t bits;
    memcpy(&bits, &v, 4);
    bits += 0x7fff + ((bits >> 16) & 1);
    return static_cast<uint16_t>(bits >> 16);
  }
};

/// Writes model.safetensors with small non-zero bf16 values.
inline bool writeCheckpoint(const std::string &dir, const Shape &s,
                     uint64_t &totalBytes, uint64_t &largest) {
  std::vector<Tensor> tensors = makeTensors(s);
  std::string header = "{";
  uint64_t offset = 0;
  largest = 0;
  for (const Tensor &t : tensors) {
    if (header.size() > 1)
      header += ",";
    header += "\"" + t.name + "\":{\"dtype\":\"BF16\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i)
      header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," +
              std::to_string(offset + t.bytes()) + "]}";
    offset += t.bytes();
    largest = std::max(largest, t.bytes());
  }
  header += "}";
  header.append((8 - header.size() % 8) % 8, ' ');
  totalBytes = offset;
  FILE *f = fopen((dir + "/model.safetensors").c_str(), "wb");
  if (!f)
    return false;
  uint64_t length = header.size();
  fwrite(&length, 8, 1, f); // little-endian hosts only, as llmq itself
  fwrite(header.data(), 1, header.size(), f);
  std::vector<uint16_t> block(1 << 19);
  bool ok = true;
  if (s.signedValues) {
    SignedBf16Generator random(s.stddev);
    for (const Tensor &t : tensors) {
      bool norm = t.shape.size() == 1;
      for (uint64_t done = 0, count = t.bytes() / 2; done < count;) {
        uint64_t n = std::min<uint64_t>(count - done, block.size());
        for (uint64_t i = 0; i < n; ++i)
          block[i] = norm ? 0x3f80 : random.next(); // 1.0 for norms
        ok = ok && fwrite(block.data(), 2, n, f) == n;
        done += n;
      }
    }
  } else {
    uint32_t state = 12345;
    for (uint16_t &v : block) {
      state = state * 1103515245u + 12345u;
      v = 0x3c00 | ((state >> 16) & 0x00ff); // about 0.0078 .. 0.0156
    }
    for (uint64_t done = 0; done < offset;) {
      uint64_t n = std::min<uint64_t>(offset - done, block.size() * 2);
      ok = ok && fwrite(block.data(), 1, n, f) == n;
      done += n;
    }
  }
  if (fclose(f) != 0 || !ok)
    return false;
  char config[1024];
  snprintf(config, sizeof config,
           "{\"model_type\":\"llama\",\"hidden_size\":%lld,"
           "\"num_attention_heads\":%lld,\"num_key_value_heads\":%lld,"
           "\"intermediate_size\":%lld,\"vocab_size\":%lld,"
           "\"num_hidden_layers\":%lld,\"max_position_embeddings\":%lld,"
           "\"rms_norm_eps\":1e-5,\"rope_theta\":%.1f,"
           "\"tie_word_embeddings\":%s,"
           "\"bos_token_id\":%lld,\"eos_token_id\":%lld}",
           (long long)s.hidden, (long long)s.heads, (long long)s.kvHeads,
           (long long)s.ffn, (long long)s.vocab, (long long)s.layers,
           (long long)s.maxPositions, s.ropeTheta, s.tied ? "true" : "false",
           (long long)s.bos, (long long)s.eos);
  // A minimal byte-level BPE tokenizer; the exporter pads the vocabulary.
  std::string tokenizer =
      "{\"added_tokens\":[{\"id\":1,\"content\":\"<s>\",\"special\":true},"
      "{\"id\":2,\"content\":\"</s>\",\"special\":true}],"
      "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"use_regex\":true},"
      "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":3,\"b\":4},\"merges\":[]}}";
  if (!writeFile(dir + "/config.json", config))
    return false;
  if (s.tokenizerDir.empty())
    return writeFile(dir + "/tokenizer.json", tokenizer);
  return copyFile(s.tokenizerDir + "/tokenizer.json", dir + "/tokenizer.json") &&
         copyFile(s.tokenizerDir + "/tokenizer_config.json",
                  dir + "/tokenizer_config.json");
}

/// Runs argv; returns its peak RSS in KiB, or -1 if it failed. `seconds`
/// receives its wall-clock time, `cpuSeconds` its user + system CPU time.
/// Its standard output and error go to `stdoutPath` and `stderrPath` where
/// given (else they are inherited).
inline long runMeasured(const std::vector<std::string> &args,
                        double *seconds = nullptr,
                        const std::string &stdoutPath = "",
                        const std::string &stderrPath = "",
                        double *cpuSeconds = nullptr) {
  timespec start, end;
  clock_gettime(CLOCK_MONOTONIC, &start);
  pid_t pid = fork();
  if (pid == 0) {
    auto redirect = [](const std::string &path, int fd) {
      if (path.empty())
        return;
      FILE *f = fopen(path.c_str(), "wb");
      if (!f || dup2(fileno(f), fd) < 0)
        _exit(126);
    };
    redirect(stdoutPath, 1);
    redirect(stderrPath, 2);
    std::vector<char *> argv;
    for (const std::string &a : args)
      argv.push_back(const_cast<char *>(a.c_str()));
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  int status = 0;
  struct rusage usage;
  if (wait4(pid, &status, 0, &usage) < 0 || !WIFEXITED(status) ||
      WEXITSTATUS(status) != 0)
    return -1;
  clock_gettime(CLOCK_MONOTONIC, &end);
  if (seconds)
    *seconds = (end.tv_sec - start.tv_sec) + (end.tv_nsec - start.tv_nsec) * 1e-9;
  if (cpuSeconds)
    *cpuSeconds = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
                  (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) * 1e-6;
  return usage.ru_maxrss;
}

/// What every memory bench takes: `--tools DIR` (default: the directory of
/// this program, where the tools are built), `--work DIR`, `--keep` (leave
/// the files), and `--NAME VALUE` pairs each bench reads with get().
struct BenchOptions {
  std::string tools, work;
  bool keep = false;
  std::map<std::string, std::string> values;

  std::string get(const std::string &name, const std::string &fallback) const {
    auto it = values.find(name);
    return it == values.end() ? fallback : it->second;
  }
};

/// `flags` names options that take no value (besides --keep); get() gives
/// "1" for those present.
inline BenchOptions parseBenchOptions(int argc, char **argv,
                                      const std::string &defaultWork,
                                      const std::vector<std::string> &flags = {}) {
  BenchOptions o;
  char self[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  o.tools = n > 0 ? std::string(self, n) : std::string("build/bin/x");
  o.tools = o.tools.substr(0, o.tools.rfind('/'));
  o.work = defaultWork;
  std::string name = argc > 0 ? argv[0] : "bench";
  name = name.substr(name.rfind('/') + 1);
  for (int i = 1; i < argc; ++i) {
    // A bench runs for minutes: --help and a stray word stop before any work.
    if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
      printf("%s: its options are described at the top of bench/%s.cpp\n",
             name.c_str(), name.c_str());
      exit(0);
    }
    if (!strcmp(argv[i], "--keep")) {
      o.keep = true;
    } else if (!strncmp(argv[i], "--", 2) &&
               std::find(flags.begin(), flags.end(), argv[i] + 2) !=
                   flags.end()) {
      o.values[argv[i] + 2] = "1";
    } else if (!strncmp(argv[i], "--", 2) && i + 1 < argc) {
      o.values[argv[i] + 2] = argv[i + 1];
      ++i;
    } else {
      fprintf(stderr, "%s: unexpected argument '%s' (options: bench/%s.cpp)\n",
              name.c_str(), argv[i], name.c_str());
      exit(2);
    }
  }
  o.tools = o.get("tools", o.tools);
  o.work = o.get("work", o.work);
  return o;
}

/// Llama-3-70B's dimensions with `layers` blocks.
inline Shape llama70BShape(int64_t layers) {
  Shape s;
  s.hidden = 8192;
  s.heads = 64;
  s.kvHeads = 8;
  s.ffn = 28672;
  s.vocab = 128256;
  s.layers = layers;
  return s;
}

/// The default shape with as many blocks as make about `gib` GiB (the
/// embedding and head are fixed).
inline Shape shapeOfGiB(double gib) {
  Shape shape;
  uint64_t perLayer = 0, fixed = 0;
  for (const Tensor &t : makeTensors(shape))
    (t.name.rfind("model.layers.", 0) == 0 ? perLayer : fixed) += t.bytes();
  double target = gib * (1ull << 30);
  shape.layers = std::max<int64_t>(1, (int64_t)((target - fixed) / perLayer));
  return shape;
}

/// Writes `shape` into WORK/ckpt and prints a line saying what it is;
/// returns the directory, or "" (with a line naming `bench`) on failure.
/// `largestTensor` receives the bytes of its largest tensor.
inline std::string writeBenchCheckpoint(const BenchOptions &o,
                                        const Shape &shape, const char *bench,
                                        const char *what,
                                        uint64_t *largestTensor = nullptr) {
  std::string dir = o.work + "/ckpt";
  mkdir(o.work.c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  uint64_t total = 0, largest = 0;
  if (!writeCheckpoint(dir, shape, total, largest)) {
    fprintf(stderr, "%s: cannot write %s\n", bench, dir.c_str());
    return "";
  }
  double mib = 1024.0 * 1024.0;
  printf("checkpoint: %s%lld blocks, %.1f MiB bf16, largest tensor %.1f MiB\n",
         what, (long long)shape.layers, total / mib, largest / mib);
  if (largestTensor)
    *largestTensor = largest;
  return dir;
}

//===----------------------------------------------------------------------===//
// Realistic values, for benches whose speed depends on the data (the K-quant
// searches converge differently on all-positive values)
//===----------------------------------------------------------------------===//

/// Llama-3.2-1B's dimensions (hidden 2048, 32 heads, 8 KV heads, FFN 8192,
/// vocabulary 128256) with `layers` blocks; an untied output head.
inline Shape llama32_1BShape(int64_t layers = 16) {
  Shape s;
  s.hidden = 2048;
  s.heads = 32;
  s.kvHeads = 8;
  s.ffn = 8192;
  s.vocab = 128256;
  s.layers = layers;
  return s;
}

/// bf16 of a float, rounded to nearest even (finite inputs only).
inline uint16_t benchBf16(float f) {
  uint32_t bits;
  memcpy(&bits, &f, 4);
  bits += 0x7fff + ((bits >> 16) & 1);
  return static_cast<uint16_t>(bits >> 16);
}

/// Rewrites the tensor data of the checkpoint writeCheckpoint() wrote in
/// `dir` with signed values like a trained model's: matrices about
/// N(0, 0.02) (a sum of four uniforms, deterministic per tensor) with about
/// one weight in 16384 an outlier 10 to 40 times larger, norm weights about
/// 1. Also replaces tokenizer.json by a byte-level BPE whose vocabulary is
/// the 256 bytes (ids 3..258), so llama.cpp's tools can tokenize any text.
inline bool fillRealisticValues(const std::string &dir, const Shape &s) {
  FILE *f = fopen((dir + "/model.safetensors").c_str(), "r+b");
  if (!f)
    return false;
  uint64_t length = 0;
  if (fread(&length, 8, 1, f) != 1 || fseek(f, 8 + (long)length, SEEK_SET)) {
    fclose(f);
    return false;
  }
  std::vector<uint16_t> block(1 << 20);
  uint64_t index = 0;
  for (const Tensor &t : makeTensors(s)) {
    uint64_t state = 0x9e3779b97f4a7c15ull * (++index) + 0x632be59bd9b14a4bull;
    bool norm = t.shape.size() == 1;
    for (uint64_t done = 0, total = t.bytes() / 2; done < total;) {
      uint64_t n = std::min<uint64_t>(total - done, block.size());
      for (uint64_t i = 0; i < n; ++i) {
        state ^= state >> 12;
        state ^= state << 25;
        state ^= state >> 27;
        uint64_t r = state * 0x2545f4914f6cdd1dull;
        // Four 16-bit uniforms: mean 2 * 65535, sd 65535 / sqrt(3).
        float sum = float((r & 0xffff) + ((r >> 16) & 0xffff) +
                          ((r >> 32) & 0xffff) + (r >> 48));
        float g = (sum - 131070.0f) * (1.7320508f / 65535.0f);
        float v = 0.02f * g;
        if (norm)
          v += 1.0f;
        else if ((r & 0x3fff0000ull) == 0) // about 1 in 16384
          v *= 10.0f + float((r >> 40) & 0x1f);
        block[i] = benchBf16(v);
      }
      if (fwrite(block.data(), 2, n, f) != n) {
        fclose(f);
        return false;
      }
      done += n;
    }
  }
  if (fclose(f) != 0)
    return false;
  // GPT-2's byte-to-character map: printable bytes stand for themselves,
  // the others for 256 + k, in byte order.
  std::string vocab;
  int next = 0;
  for (int b = 0; b < 256; ++b) {
    bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) ||
                     (b >= 174 && b <= 255);
    unsigned cp = printable ? b : 256 + next++;
    std::string ch;
    if (cp == '"' || cp == '\\')
      ch = std::string("\\") + char(cp);
    else if (cp < 0x80)
      ch = std::string(1, char(cp));
    else
      ch = {char(0xc0 | (cp >> 6)), char(0x80 | (cp & 0x3f))};
    vocab += (b ? "," : "") + ("\"" + ch + "\":") + std::to_string(3 + b);
  }
  std::string tokenizer =
      "{\"added_tokens\":[{\"id\":1,\"content\":\"<s>\",\"special\":true},"
      "{\"id\":2,\"content\":\"</s>\",\"special\":true}],"
      "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"use_regex\":true},"
      "\"model\":{\"type\":\"BPE\",\"vocab\":{" +
      vocab + "},\"merges\":[]}}";
  return writeFile(dir + "/tokenizer.json", tokenizer);
}

} // namespace bench

#endif // LLMQ_BENCH_SYNTHETICCHECKPOINT_H
