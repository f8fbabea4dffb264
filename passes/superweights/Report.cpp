//===- Report.cpp - --llmq-super-weights' JSON report ---------------------===//

#include "passes/superweights/Report.h"

using namespace mlir::llmq;
using namespace mlir::llmq::superweights;

llvm::StringRef superweights::modeName(SuperWeightsMode mode) {
  switch (mode) {
  case SuperWeightsMode::Contribution:
    return "contribution";
  case SuperWeightsMode::Activation:
    return "activation";
  case SuperWeightsMode::WeightOnly:
    return "weight-only";
  }
  return "";
}

llvm::json::Value superweights::toJSON(const Report &report) {
  bool contribution = report.mode == SuperWeightsMode::Contribution;
  bool activation = report.mode == SuperWeightsMode::Activation;
  llvm::json::Array found;
  for (size_t i = 0; i < report.found.size(); ++i) {
    const Candidate &cand = report.found[i];
    llvm::json::Object o{{"weight", report.weights[i]},
                         {"row", cand.row},
                         {"col", cand.col},
                         {"value", cand.value},
                         {"score", cand.score}};
    if (cand.layer >= 0)
      o["layer"] = cand.layer;
    if (!report.sourceKeys[i].empty())
      o["source_key"] = report.sourceKeys[i];
    if (contribution) {
      o["ratio"] = cand.ratio;
      o["mean_square_input"] = cand.meanSquare;
    } else if (activation) {
      o["activation_in"] = cand.actIn;
      o["activation_out"] = cand.actOut;
      o["token"] = cand.token;
    }
    found.push_back(std::move(o));
  }
  llvm::json::Object json{{"model", report.model},
                          {"mode", modeName(report.mode)},
                          {"super_weights", std::move(found)}};
  if (contribution) {
    llvm::json::Array tensors;
    for (const TensorSummary &t : report.tensors)
      tensors.push_back(
          llvm::json::Object{{"weight", report.tensorNames[t.tensor]},
                             {"mean_score", t.meanScore},
                             {"top_row", t.top.row},
                             {"top_col", t.top.col},
                             {"top_score", t.top.score},
                             {"top_ratio", t.top.ratio}});
    if (report.text.empty())
      json["prompt"] = report.prompt;
    else
      json["text"] = report.text;
    json["tokens"] = report.tokens;
    json["tensors"] = std::move(tensors);
  } else if (activation) {
    llvm::json::Array layers;
    for (size_t l = 0; l < report.spikes.size(); ++l) {
      const LayerSpikes &s = report.spikes[l];
      layers.push_back(llvm::json::Object{{"layer", static_cast<int64_t>(l)},
                                          {"max_in", s.maxIn},
                                          {"in_channel", s.inChannel},
                                          {"in_token", s.inToken},
                                          {"max_out", s.maxOut},
                                          {"out_channel", s.outChannel},
                                          {"out_token", s.outToken}});
    }
    json["prompt"] = report.prompt;
    json["prompt_tokens"] = report.tokens;
    json["layers"] = std::move(layers);
  }
  return json;
}
