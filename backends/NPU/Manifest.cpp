//===- Manifest.cpp - The NPU artifact's manifest.json --------------------===//

#include "backends/NPU/Manifest.h"

#include "backends/NPU/ExportNPUArtifact.h"
#include "dialects/Llmq/LlmqOps.h"

#include <nlohmann/json.hpp>

using namespace llmq;
using namespace llmq::npu;
using Json = nlohmann::json;

static const char *splitName(Split split) {
  switch (split) {
  case Split::Replicated: return "replicated";
  case Split::Rows: return "rows";
  case Split::Cols: return "cols";
  case Split::Vocab: return "vocab";
  case Split::KVHead: return "kv_head";
  }
  return "";
}

static Json ports(const std::vector<Port> &list) {
  Json out = Json::array();
  for (const Port &p : list)
    out.push_back({{"name", p.name},
                   {"shape", std::vector<int64_t>(p.shape.begin(),
                                                  p.shape.end())},
                   {"dtype", p.dtype}});
  return out;
}

static Json buckets(const std::vector<Bucket> &list) {
  Json out = Json::array();
  for (const Bucket &b : list)
    out.push_back({{"batch", b.batch}, {"length", b.length}});
  return out;
}

static Json modelSection(mlir::llmq::ModelOp m, const std::string &configSha) {
  return {{"name", m.getSymName().str()},
          {"arch", m.getArch().str()},
          {"hidden_size", m.getHiddenSize()},
          {"num_layers", m.getNumLayers()},
          {"num_heads", m.getNumHeads()},
          {"num_kv_heads", m.getNumKvHeads()},
          {"head_dim", m.getHeadDim()},
          {"ffn_size", m.getFfnSize()},
          {"vocab_size", m.getVocabSize()},
          {"context_length", m.getContextLength()},
          {"rope_theta", m.getRopeTheta().convertToDouble()},
          {"norm_eps", m.getNormEps().convertToDouble()},
          {"rope_interleaved", m.getRopeInterleaved()},
          {"config", "config.json"},
          {"config_sha256", configSha}};
}

std::string llmq::npu::renderManifest(const ManifestInput &in) {
  const ArtifactPlan &plan = *in.plan;
  const ArtifactOptions &o = plan.options;
  mlir::llmq::ModelOp model = in.model;
  Json manifest;
  manifest["format"] = "llmq-npu-artifact";
  manifest["version"] = kNPUArtifactVersion;
  manifest["model"] = modelSection(model, in.configSha256);
  if (mlir::llmq::TokenizerAttr t = model.getTokenizerAttr();
      t && !in.tokenizerFile.empty())
    manifest["tokenizer"] = {{"file", in.tokenizerFile},
                             {"sha256", in.tokenizerSha256},
                             {"bos", t.getBos()},
                             {"eos", t.getEos()},
                             {"add_bos", t.getAddBos().getValue()}};
  else
    manifest["tokenizer"] = nullptr;

  Json stages = Json::array();
  for (size_t s = 0; s < plan.stages.size(); ++s)
    stages.push_back({{"stage", s},
                      {"first_block", plan.stages[s].firstBlock},
                      {"end_block", plan.stages[s].endBlock}});
  manifest["parallel"] = {
      {"tensor_parallel_size", o.tp},
      {"pipeline_parallel_size", o.pp},
      {"num_ranks", plan.numRanks()},
      {"pes_per_npu", ArtifactPlan::kPEsPerNPU},
      {"num_npus", plan.numNPUs()},
      {"stages", stages},
      {"local_heads", plan.localHeads},
      {"local_kv_heads", plan.localKVHeads},
      {"kv_heads_replicated",
       plan.localKVHeads * o.tp > model.getNumKvHeads()},
      {"padded_vocab_size", plan.paddedVocab}};
  manifest["weights_format"] = o.weights ? o.weights->name() : "ir";
  manifest["reblocked"] = plan.anyReblocked;
  manifest["buckets"] = {{"prefill", buckets(o.prefill)},
                         {"decode", buckets(o.decode)}};
  manifest["partition"] =
      o.partition == Partition::PerBlock ? "per-block" : "whole";

  Json graphs = Json::array();
  for (const GraphFiles &g : in.graphs) {
    Json entry = {{"name", g.info->name},
                  {"phase", phaseName(g.info->phase).str()},
                  {"batch", g.info->bucket.batch},
                  {"length", g.info->bucket.length},
                  {"stage", g.info->stage},
                  {"piece", pieceName(g.info->piece).str()},
                  {"text", g.text},
                  {"bytecode", g.bytecode},
                  {"sha256", g.sha256},
                  {"bytecode_sha256", g.bytecodeSha256},
                  {"inputs", ports(g.info->inputs)},
                  {"outputs", ports(g.info->outputs)}};
    if (g.info->block >= 0)
      entry["block"] = g.info->block;
    if (!g.loweredText.empty())
      entry["lowered"] = {{"dialects", "func, linalg, tensor, arith, math"},
                          {"text", g.loweredText},
                          {"bytecode", g.loweredBytecode},
                          {"sha256", g.loweredSha256},
                          {"bytecode_sha256", g.loweredBytecodeSha256}};
    graphs.push_back(entry);
  }
  manifest["graphs"] = graphs;

  Json ranks = Json::array();
  for (const RankFile &r : in.ranks) {
    Json tensors = Json::array();
    for (const ShardRecord &t : r.tensors) {
      Json components = Json::array();
      for (const ShardComponent &c : t.components)
        components.push_back(
            {{"key", c.key},
             {"dtype", c.dtype},
             {"shape", std::vector<int64_t>(c.shape.begin(), c.shape.end())}});
      tensors.push_back(
          {{"weight", t.weight->symbol},
           {"format", t.weight->format.name()},
           {"split", splitName(t.weight->split)},
           {"rows", {t.slice.rowBegin, t.slice.rowEnd}},
           {"cols", {t.slice.colBegin, t.slice.colEnd}},
           {"reblocked", t.weight->reblocked},
           {"components", components}});
    }
    ranks.push_back({{"rank", r.rank},
                     {"stage", r.stage},
                     {"tp_rank", r.tpRank},
                     {"file", r.file},
                     {"sha256", r.sha256},
                     {"bytes", r.bytes},
                     {"tensors", tensors}});
  }
  manifest["ranks"] = ranks;

  Json mask = nullptr;
  for (auto m : model.getBody().front().getOps<mlir::llmq::LogitMaskOp>())
    mask = {{"banned", std::vector<int64_t>(m.getBanned().begin(),
                                            m.getBanned().end())},
            {"biased", std::vector<int64_t>(m.getAmplified().begin(),
                                            m.getAmplified().end())},
            {"bias", m.getFactor().convertToDouble()}};
  manifest["logit_mask"] = mask;
  return manifest.dump(2) + "\n";
}

std::string llmq::npu::renderConfig(mlir::llmq::ModelOp m) {
  Json config = {{"model_type", m.getArch().str()},
                 {"hidden_size", m.getHiddenSize()},
                 {"intermediate_size", m.getFfnSize()},
                 {"num_hidden_layers", m.getNumLayers()},
                 {"num_attention_heads", m.getNumHeads()},
                 {"num_key_value_heads", m.getNumKvHeads()},
                 {"head_dim", m.getHeadDim()},
                 {"vocab_size", m.getVocabSize()},
                 {"max_position_embeddings", m.getContextLength()},
                 {"rope_theta", m.getRopeTheta().convertToDouble()},
                 {"rms_norm_eps", m.getNormEps().convertToDouble()},
                 {"tie_word_embeddings", m.getTiedEmbeddings()}};
  return config.dump(2) + "\n";
}
