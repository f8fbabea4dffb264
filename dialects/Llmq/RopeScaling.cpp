//===- RopeScaling.cpp - RoPE frequency scaling of a model ----------------===//

#include "dialects/Llmq/RopeScaling.h"

#include "dialects/Llmq/LlmqOps.h"

#include "mlir/IR/Diagnostics.h"

#include <cmath>

using namespace mlir;
using namespace mlir::llmq;

llvm::Expected<RopeScalingAttr>
mlir::llmq::buildRopeScaling(MLIRContext *context, DictionaryAttr numbers) {
  auto type = numbers.getAs<StringAttr>("type");
  if (!type)
    return llvm::createStringError("rope scaling needs a type");
  std::string message;
  ScopedDiagnosticHandler capture(context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto emitError = [&] { return mlir::emitError(UnknownLoc::get(context)); };
  auto factor = numbers.getAs<FloatAttr>("factor");
  auto low = numbers.getAs<FloatAttr>("low_freq_factor");
  auto high = numbers.getAs<FloatAttr>("high_freq_factor");
  auto original = numbers.getAs<FloatAttr>("original_max_position_embeddings");
  RopeScalingAttr attr = RopeScalingAttr::getChecked(
      emitError, context, type.getValue(), factor, low, high, original);
  if (!attr)
    return llvm::createStringError(message);
  return attr;
}

std::vector<double> mlir::llmq::ropeInverseFrequencies(ModelOp model) {
  int64_t dim = model.getHeadDim();
  double theta = model.getRopeTheta().convertToDouble();
  std::vector<double> inv;
  for (int64_t i = 0; i < dim; i += 2)
    inv.push_back(1.0 / std::pow(theta, static_cast<double>(i) / dim));
  return inv;
}

std::vector<double> mlir::llmq::ropeFrequencyDivisors(ModelOp model) {
  std::vector<double> inv = ropeInverseFrequencies(model);
  std::vector<double> divisors(inv.size(), 1.0);
  // The attribute's verifier guarantees the numbers each type needs.
  RopeScalingAttr scaling = model.getRopeScalingAttr();
  if (!scaling)
    return divisors;
  double factor = scaling.getFactor().getValueAsDouble();
  if (scaling.getType() == "linear") {
    divisors.assign(inv.size(), factor);
    return divisors;
  }
  // llama3: long wavelengths are slowed by `factor`, short ones kept, and
  // the band between interpolated.
  double low = scaling.getLowFreqFactor().getValueAsDouble(),
         high = scaling.getHighFreqFactor().getValueAsDouble(),
         original =
             scaling.getOriginalMaxPositionEmbeddings().getValueAsDouble();
  double lowWavelen = original / low, highWavelen = original / high;
  for (size_t i = 0; i < inv.size(); ++i) {
    double wavelen = 2 * M_PI / inv[i];
    if (wavelen > lowWavelen) {
      divisors[i] = factor;
    } else if (wavelen >= highWavelen) {
      double smooth = (original / wavelen - low) / (high - low);
      divisors[i] = 1.0 / ((1 - smooth) / factor + smooth);
    }
  }
  return divisors;
}

std::vector<float> mlir::llmq::ropeScaledInverseFrequencies(ModelOp model) {
  std::vector<double> inv = ropeInverseFrequencies(model);
  std::vector<double> divisors = ropeFrequencyDivisors(model);
  std::vector<float> scaled;
  for (size_t i = 0; i < inv.size(); ++i)
    scaled.push_back(static_cast<float>(inv[i] / divisors[i]));
  return scaled;
}
