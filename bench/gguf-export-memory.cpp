//===- gguf-export-memory.cpp - Peak memory of the GGUF exporter ----------===//
//
// Writes a synthetic Llama checkpoint of about --gib GiB (bf16, real
// safetensors layout), then runs `quant-translate --import-hf` and
// `--export-gguf` on it as child processes and prints each one's peak
// resident memory (wait4's ru_maxrss) next to the budget the design sets:
// 64 MiB plus the largest tensor. Memory must not grow with the model, so
// run it at two sizes and compare.
//
//   gguf-export-memory [--gib N] [--tools DIR] [--work DIR] [--keep]
//
//===----------------------------------------------------------------------===//

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

namespace {

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
};

std::vector<Tensor> makeTensors(const Shape &s) {
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
  t.push_back({"lm_head.weight", {s.vocab, s.hidden}});
  return t;
}

bool writeFile(const std::string &path, const std::string &text) {
  FILE *f = fopen(path.c_str(), "wb");
  if (!f)
    return false;
  bool ok = fwrite(text.data(), 1, text.size(), f) == text.size();
  return fclose(f) == 0 && ok;
}

/// Writes model.safetensors with small non-zero bf16 values.
bool writeCheckpoint(const std::string &dir, const Shape &s,
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
  uint32_t state = 12345;
  for (uint16_t &v : block) {
    state = state * 1103515245u + 12345u;
    v = 0x3c00 | ((state >> 16) & 0x00ff); // about 0.0078 .. 0.0156
  }
  for (uint64_t done = 0; done < offset;) {
    uint64_t n = std::min<uint64_t>(offset - done, block.size() * 2);
    fwrite(block.data(), 1, n, f);
    done += n;
  }
  if (fclose(f) != 0)
    return false;
  char config[1024];
  snprintf(config, sizeof config,
           "{\"model_type\":\"llama\",\"hidden_size\":%lld,"
           "\"num_attention_heads\":%lld,\"num_key_value_heads\":%lld,"
           "\"intermediate_size\":%lld,\"vocab_size\":%lld,"
           "\"num_hidden_layers\":%lld,\"max_position_embeddings\":4096,"
           "\"rms_norm_eps\":1e-5,\"rope_theta\":10000.0,"
           "\"bos_token_id\":1,\"eos_token_id\":2}",
           (long long)s.hidden, (long long)s.heads, (long long)s.kvHeads,
           (long long)s.ffn, (long long)s.vocab, (long long)s.layers);
  // A minimal byte-level BPE tokenizer; the exporter pads the vocabulary.
  std::string tokenizer =
      "{\"added_tokens\":[{\"id\":1,\"content\":\"<s>\",\"special\":true},"
      "{\"id\":2,\"content\":\"</s>\",\"special\":true}],"
      "\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"use_regex\":true},"
      "\"model\":{\"type\":\"BPE\",\"vocab\":{\"a\":3,\"b\":4},\"merges\":[]}}";
  return writeFile(dir + "/config.json", config) &&
         writeFile(dir + "/tokenizer.json", tokenizer);
}

/// Runs argv; returns its peak RSS in KiB, or -1 if it failed.
long runMeasured(const std::vector<std::string> &args) {
  pid_t pid = fork();
  if (pid == 0) {
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
  return usage.ru_maxrss;
}

} // namespace

int main(int argc, char **argv) {
  double gib = 1.0;
  // The tools are built next to this program.
  char self[4096] = {0};
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  std::string tools = n > 0 ? std::string(self, n) : std::string("build/bin/x");
  tools = tools.substr(0, tools.rfind('/'));
  std::string work = "/tmp/llmq-bench-memory";
  bool keep = false;
  for (int i = 1; i < argc; ++i)
    if (!strcmp(argv[i], "--keep"))
      keep = true;
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--gib"))
      gib = atof(argv[i + 1]);
    else if (!strcmp(argv[i], "--tools"))
      tools = argv[i + 1];
    else if (!strcmp(argv[i], "--work"))
      work = argv[i + 1];
  }
  Shape shape;
  // Embedding and head are fixed; add blocks until the size is reached.
  uint64_t perLayer = 0, fixed = 0;
  for (const Tensor &t : makeTensors(shape))
    (t.name.rfind("model.layers.", 0) == 0 ? perLayer : fixed) += t.bytes();
  double target = gib * (1ull << 30);
  shape.layers = std::max<int64_t>(1, (int64_t)((target - fixed) / perLayer));

  std::string dir = work + "/ckpt";
  mkdir(work.c_str(), 0755);
  mkdir(dir.c_str(), 0755);
  uint64_t total = 0, largest = 0;
  if (!writeCheckpoint(dir, shape, total, largest)) {
    fprintf(stderr, "gguf-export-memory: cannot write %s\n", dir.c_str());
    return 1;
  }
  double mib = 1024.0 * 1024.0;
  printf("checkpoint: %lld blocks, %.1f MiB bf16, largest tensor %.1f MiB\n",
         (long long)shape.layers, total / mib, largest / mib);
  long importKiB = runMeasured({tools + "/quant-translate", "--import-hf", dir,
                                "-o", work + "/m.mlir"});
  printf("import-hf           peak RSS %7.1f MiB\n", importKiB / 1024.0);
  if (importKiB < 0)
    return 1;
  double budget = 64 + largest / mib;
  int status = 0;
  for (const char *type : {"f16", "q8_0", "f32"}) {
    long kib = runMeasured({tools + "/quant-translate", "--export-gguf",
                            work + "/m.mlir", "--type", type, "-o",
                            work + "/m.gguf"});
    if (kib < 0) {
      printf("export-gguf %-5s failed\n", type);
      return 1;
    }
    bool within = kib / 1024.0 < budget;
    printf("export-gguf %-5s   peak RSS %7.1f MiB (budget 64 MiB + largest "
           "tensor = %.1f MiB): %s\n",
           type, kib / 1024.0, budget, within ? "within" : "OVER");
    status |= !within;
    unlink((work + "/m.gguf").c_str());
  }
  printf("measured with wait4() ru_maxrss of each child process\n");
  if (!keep)
    unlink((dir + "/model.safetensors").c_str());
  return status;
}
