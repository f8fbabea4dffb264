//===- Passes.td - llmq passes ------------------------------*- tablegen -*-===//

#ifndef LLMQ_PASSES_TD
#define LLMQ_PASSES_TD

include "mlir/Pass/PassBase.td"

def BlockInfluence : Pass<"llmq-block-influence", "::mlir::ModuleOp"> {
  let summary = "Measures each block's influence on the hidden state";
  let description = [{
    Runs the model over calibration text and stores, on every `llmq.block`,
    `influence` = 1 - mean cos(x_in, x_out) (ShortGPT's block influence) and
    `angular_distance` = mean arccos(cos(x_in, x_out)) / pi, averaged over all
    calibration positions. With `json`, also writes them to that file.
  }];
  let options = [
    Option<"textFile", "text", "std::string", "", "calibration text (one passage a line)">,
    Option<"numTokens", "tokens", "int64_t", "4096", "calibration tokens to use at most">,
    Option<"contextSize", "ctx", "int64_t", "256", "tokens per window">,
    Option<"jsonFile", "json", "std::string", "", "also write the results to this JSON file">,
    Option<"threads", "threads", "unsigned", "0", "worker threads (0: the tool's --threads, 1 under --mlir-disable-threading, else all cores)">,
  ];
  let statistics = [
    Statistic<"numBlocks", "num-blocks", "blocks measured">,
  ];
}

def DropLayers : Pass<"llmq-drop-layers", "::mlir::ModuleOp"> {
  let summary = "Removes transformer blocks and renumbers the rest";
  let description = [{
    Exactly one of: `indices=3,7` drops those blocks; `count=N by=influence`
    drops the N blocks of lowest influence (run --llmq-block-influence
    first); `keep=K by=uniform` keeps block round(i*(n-1)/(K-1)) for
    i = 0..K-1 (Python's round, half to even: 29 of 30 drops block 15, 5 of
    6 drops block 3). Blocks are renumbered, their weights renamed
    (blk.N.* follows), num_layers updated, and dropped weights removed. The
    first and last block are kept unless `allow-ends`.
  }];
  let options = [
    ListOption<"indices", "indices", "int64_t", "blocks to drop">,
    Option<"count", "count", "int64_t", "0", "how many blocks to drop (by=influence)">,
    Option<"keep", "keep", "int64_t", "0", "how many blocks to keep (by=uniform)">,
    Option<"by", "by", "::mlir::llmq::DropLayersBy", "::mlir::llmq::DropLayersBy::None",
           "how count= or keep= picks the blocks", [{::llvm::cl::values(
             clEnumValN(::mlir::llmq::DropLayersBy::None, "none", "indices= names the blocks"),
             clEnumValN(::mlir::llmq::DropLayersBy::Influence, "influence", "count=N blocks of lowest influence"),
             clEnumValN(::mlir::llmq::DropLayersBy::Uniform, "uniform", "keep=K blocks evenly spread"))}]>,
    Option<"allowEnds", "allow-ends", "bool", "false", "allow dropping the first and last block">,
  ];
  let statistics = [
    Statistic<"numDropped", "num-dropped", "blocks dropped">,
  ];
}

def LogitMask : Pass<"llmq-logit-mask", "::mlir::ModuleOp"> {
  let summary = "Bans token ids and amplifies others";
  let description = [{
    `ban=1,2` / `ban-file=F` (comma-separated ids, the format of the seed's
    banned_tokens.txt): those logits become -inf, kept as a
    `llmq.logit_mask` that every backend carries. `amplify=`/`amplify-file=`
    with `factor=` (default 5.0): in `mode=scale` the logits of those ids are
    multiplied by the factor, folded exactly into the LM head's rows (a tied
    head is untied first, so the input embeddings stay as they were); in
    `mode=add` the factor is added to them as a logit bias in the mask.
  }];
  let options = [
    ListOption<"ban", "ban", "int64_t", "token ids to ban">,
    Option<"banFile", "ban-file", "std::string", "", "file of comma-separated ids to ban">,
    ListOption<"amplify", "amplify", "int64_t", "token ids to amplify">,
    Option<"amplifyFile", "amplify-file", "std::string", "", "file of comma-separated ids to amplify">,
    Option<"factor", "factor", "double", "5.0", "amplification factor (scale) or bias (add)">,
    Option<"mode", "mode", "::mlir::llmq::LogitMaskMode", "::mlir::llmq::LogitMaskMode::Scale",
           "how amplified logits change", [{::llvm::cl::values(
             clEnumValN(::mlir::llmq::LogitMaskMode::Scale, "scale", "multiplied by factor, folded into the LM head"),
             clEnumValN(::mlir::llmq::LogitMaskMode::Add, "add", "factor added as a logit bias"))}]>,
  ];
}

def WeightStats : Pass<"llmq-weight-stats", "::mlir::ModuleOp"> {
  let summary = "Annotates every weight with its RMS, max |w|, kurtosis and outliers";
  let description = [{
    Streams every `llmq.weight` row by row from its mapped source (any
    storage format, dequantized to f32; rows the weight scales by
    `row_scale` are scaled) and stores `stats = {count, rms, max_abs, mean,
    std, kurtosis, outliers}`: rms = sqrt(mean(w^2)), kurtosis the excess
    kurtosis m4 / m2^2 - 3 of the central moments, outliers the share of
    values with |w - mean| > 6 std. With `json`, also writes them to that
    file.
  }];
  let options = [
    Option<"jsonFile", "json", "std::string", "", "also write the results to this JSON file">,
  ];
  let statistics = [
    Statistic<"numWeights", "num-weights", "weights measured">,
  ];
}

def Imatrix : Pass<"llmq-imatrix", "::mlir::ModuleOp"> {
  let summary = "Computes (or reads) llama.cpp's importance matrix";
  let description = [{
    Runs the model over calibration text (`text=FILE`, at most `tokens=N`, in
    whole windows of `ctx=` tokens) and sums, per linear layer of every
    block, the squares of its input per input channel (Q, K and V share
    theirs, as do the FFN's gate and up), which is what llama.cpp's
    llama-imatrix collects. `out=FILE` writes them as llama.cpp's imatrix
    GGUF. `in=FILE` reads such a file instead (from llmq or llama.cpp),
    checks it against the model, and with `out=` writes it again. The model
    gets `imatrix = "FILE"` naming the file later passes read.
  }];
  let options = [
    Option<"textFile", "text", "std::string", "", "calibration text (one passage a line)">,
    Option<"numTokens", "tokens", "int64_t", "4096", "calibration tokens to use at most">,
    Option<"contextSize", "ctx", "int64_t", "256", "tokens per window (llama.cpp's chunk size)">,
    Option<"outFile", "out", "std::string", "", "write the imatrix GGUF here">,
    Option<"inFile", "in", "std::string", "", "read this imatrix GGUF instead of computing one">,
    Option<"printTiming", "print-timing", "bool", "false", "print on stderr the seconds spent in the forward passes and in the observer">,
    Option<"threads", "threads", "unsigned", "0", "worker threads (0: the tool's --threads, 1 under --mlir-disable-threading, else all cores)">,
  ];
  let statistics = [
    Statistic<"numMatrices", "num-matrices", "matrices in the imatrix">,
  ];
}

def Awq : Pass<"llmq-awq", "::mlir::ModuleOp"> {
  let summary = "Activation-aware weight scaling (AWQ), folded exactly before quantization";
  let description = [{
    Runs the model over calibration text (`text=FILE`, at most `tokens=N`, in
    whole windows of `ctx=` tokens), takes the mean |x| of every input
    channel of each block's matrix products and the first `samples=` token
    rows as a sample, and per group of linears reading one input (q/k/v
    after the attention norm, o after v, gate/up after the FFN norm, down
    after up) searches per-channel scales s = mean|x|^alpha (with
    `duo-scaling`, over mean|w|^(1-alpha)) on a grid of `grid=` points of
    alpha in [0, 1), keeping the s that minimises the group's output error
    with each linear rounded to its assigned format (AutoAWQ's
    _search_best_scale). With `clip` (default) each quantization group is
    then clipped to the range that rounds with the least output error
    (AutoAWQ's apply_clip; q and k only with `clip-qk`), which changes the
    weights: limits max|w| (1 - i/clip-grid) from 1 + clip-grow down to
    1 - clip-shrink, the output error measured on the inputs of the model
    with every assigned format rounded to nearest (`clip-inputs`). The scales are folded exactly: the norm's weight
    (or v's / up's rows) divided by s, the linears' columns multiplied by
    s. Folded tensors go, as f32, to the safetensors parameter file
    `out=FILE`, and their weights' sources point there; formats stay. Groups
    with no norm right before them (post-norm blocks), o where v has a bias,
    and groups without an assigned format are left alone. `json=FILE`
    writes each group's alpha and errors. Run it after the pass that assigns
    formats and before --llmq-imatrix (an imatrix measured before the
    folding no longer matches the folded columns: folded weights lose it).
  }];
  let options = [
    Option<"textFile", "text", "std::string", "", "calibration text (one passage a line)">,
    Option<"numTokens", "tokens", "int64_t", "4096", "calibration tokens to use at most">,
    Option<"contextSize", "ctx", "int64_t", "256", "tokens per window">,
    Option<"sampleRows", "samples", "int64_t", "1024", "token rows of each input the output error is measured on">,
    Option<"grid", "grid", "int64_t", "20", "grid points of alpha in [0, 1)">,
    Option<"duoScaling", "duo-scaling", "bool", "false", "divide by the weights' normalised magnitude too (AutoAWQ's duo_scaling, its default; worse on kjv-llama-5m, docs/passes/awq.md)">,
    Option<"exactScales", "exact-scales", "bool", "true", "round the scales to powers of two, so that folding is exact: with clip=false the folded model computes the original's bits (false: AutoAWQ's unrounded scales, whose folded values are rounded to f32)">,
    Option<"clip", "clip", "bool", "true", "then search each quantization group's clipping range (AutoAWQ's apply_clip; changes the weights, so the folded model is exact only with clip=false)">,
    Option<"clipQK", "clip-qk", "bool", "false", "clip q and k too (AutoAWQ leaves them alone)">,
    Option<"clipGrid", "clip-grid", "int64_t", "100", "clipping candidates per unit of the group's range: limits max|w| (1 - i/clip-grid)">,
    Option<"clipShrink", "clip-shrink", "double", "0.5", "the clipping search's smallest limit is max|w| (1 - clip-shrink)">,
    Option<"clipGrow", "clip-grow", "double", "0.1", "also try limits up to max|w| (1 + clip-grow): the group's largest value is written at the limit, so that round-to-nearest takes the wider scale">,
    Option<"clipInputs", "clip-inputs", "std::string", "\"quantized\"", "the inputs the clipping search measures output error on: quantized (default: those of the model with every assigned format rounded to nearest, a second calibration run), original (the unquantized model's), compensate (those, against the original model's outputs)">,
    Option<"clipPasses", "clip-passes", "int64_t", "2", "passes over each row's groups after the first that choose each group's clip again counting the other groups' errors (the cross terms of the row's output error)">,
    Option<"outFile", "out", "std::string", "", "write the folded tensors to this safetensors file">,
    Option<"jsonFile", "json", "std::string", "", "also write each group's search result to this JSON file">,
    Option<"threads", "threads", "unsigned", "0", "worker threads (0: the tool's --threads, 1 under --mlir-disable-threading, else all cores)">,
  ];
  let statistics = [
    Statistic<"numGroups", "num-groups", "groups of linears searched">,
    Statistic<"numScaled", "num-scaled", "groups whose best scales are not 1">,
    Statistic<"numSkipped", "num-skipped", "groups left alone">,
  ];
}

def Rotate : Pass<"llmq-rotate", "::mlir::ModuleOp"> {
  let summary = "Rotates the residual stream and each head's values by randomized Hadamard matrices, folded exactly into the weights";
  let description = [{
    Folds an orthogonal Q = diag(s) H / sqrt(b) (H the Walsh-Hadamard matrix
    of the largest power of two b dividing hidden_size, block-diagonal, s
    signs drawn from `seed=`) into the model, as QuaRot's and SpinQuant's R1
    without online rotations: every RMS norm's weight is folded into the
    linears that read it (q, k, v, gate, up; the final norm into the head)
    and becomes 1, those linears and the head become W Q, the embedding's
    rows Q^T e, and o and down, which write the residual, Q^T W. With
    `heads` (default) each layer's v rows of every kv head (and v's bias)
    become P^T v and o's columns of every query head o P, P a head_dim
    rotation of its own (SpinQuant's R2). The model computes what it
    computed (to f32 rounding); the rotated weights' large values are spread
    over whole blocks, which lowers the error of low-bit formats. Rotated
    tensors go, as f32 (or `dtype=bf16`/`f16`, half the size), to the
    safetensors parameter file `out=FILE`, their weights point there,
    formats stay. Refuses, with the reason, a head tied
    to the embedding, post-norm blocks (EXAONE-4) and block weights with
    scaled rows. Run it first: analyses measured before (importance, stats,
    super weights) no longer match the rotated weights and are removed.
  }];
  let options = [
    Option<"outFile", "out", "std::string", "", "write the rotated tensors to this safetensors file">,
    Option<"seed", "seed", "uint64_t", "0", "draws the rotations' signs">,
    Option<"heads", "heads", "bool", "true", "also rotate each layer's attention values (v rows and o columns per head)">,
    Option<"dtype", "dtype", "std::string", "\"f32\"", "the parameter file's dtype: f32 (default: the model computes what it computed, to f32 rounding), bf16 or f16 (half the file; the rotated values rounded once more)">,
  ];
  let statistics = [
    Statistic<"numRotated", "num-rotated", "weights rewritten">,
  ];
}

def Gptq : Pass<"llmq-gptq", "::mlir::ModuleOp"> {
  let summary = "Quantizes each planned weight with GPTQ's error compensation";
  let description = [{
    For every linear weight of a block with a format (`format`, chosen by
    `--llmq-assign-bits`) that GPTQ produces (int4/int8 groups, q4_0, q5_0,
    q5_1, q8_0, q2_K..q6_K): runs the model over calibration text (`text=FILE`,
    at most `tokens=N`, in windows of `ctx=`), accumulates the Hessian
    H = 2 X^T X of the weight's input from the runtime's matmul observer,
    and quantizes the weight column by column with the rounding error spread
    over the later columns through the Cholesky factor of H^-1 (damping
    `damp` x mean(diag H), lazy batches of `block` columns, `act-order`:
    columns by decreasing H_ii, group scales chosen before the sweep).
    ggml blocks get their scales from ggml's own search with diag(H)/N (the
    imatrix of the same text) as importance. By default inputs
    come from the unquantized model, layers in chunks whose Hessians fit
    `hessian-mib`, one calibration run per chunk. `sequential` (as GPTQ's
    reference code does): layer by layer, each layer's inputs from the model
    whose earlier layers are already quantized (kept in memory in their
    formats, about the size of the output), one run per layer; on
    kjv-llama-5m it measured no better (docs/passes/gptq.md). The bytes go to the safetensors parameter file `out=`,
    and each weight's source points at them with its stored format, so
    exporters copy them and quant-run simulates them in place. Weights with
    other formats, rows that do not split into the format's blocks, or
    amplified rows are left to the exporter's rounding. ggml formats then
    get `refine` passes of coordinate descent on GPTQ's own objective
    (levels one up or down, block scales and mins one step), the bytes
    still ordinary blocks. `guided=G` (GuidedQuant) gives each group of G
    of a weight's output rows its own Hessian, the inputs weighted by the
    squared gradients of the next-token loss at the layer's outputs;
    `tune=N` then moves every block's f16 scales and the norm weights by
    Adam on the KL from the original model (runtime/grad), integers kept.
    See docs/passes/gptq.md.
  }];
  let options = [
    Option<"textFile", "text", "std::string", "", "calibration text (one passage a line)">,
    Option<"numTokens", "tokens", "int64_t", "4096", "calibration tokens to use at most">,
    Option<"contextSize", "ctx", "int64_t", "256", "tokens per window">,
    Option<"damp", "damp", "double", "-1", "fraction of mean(diag H) added to the diagonal (default: 0.1 for a Hessian that a ggml weight reads, 0.01 for int groups only)">,
    Option<"actOrder", "act-order", "bool", "false", "quantize columns by decreasing H_ii (static groups)">,
    Option<"block", "block", "int64_t", "128", "columns per lazy batch update">,
    Option<"outFile", "out", "std::string", "", "the parameter file (safetensors) to write">,
    Option<"sequential", "sequential", "bool", "false", "take each layer's inputs from the model with the earlier layers already quantized (one calibration run per layer)">,
    Option<"hessianMiB", "hessian-mib", "int64_t", "1024", "without sequential: memory for the Hessians of one chunk of layers (MiB)">,
    Option<"groupScales", "scales", "std::string", "\"mse\"", "int groups: how a group's scale is chosen: max (the range, as round-to-nearest), mse (default) (the shrunk range with the least diag(H)-weighted error), sweep (the shrunk range whose trial sweep of the group adds the least GPTQ loss)">,
    Option<"scaleGrid", "scale-grid", "int64_t", "100", "with scales=mse or sweep: shrink factors 1 - i/N, i < 0.8 N">,
    Option<"threads", "threads", "unsigned", "0", "worker threads (0: the tool's --threads, 1 under --mlir-disable-threading, else all cores)">,
    Option<"scaleSearch", "scale-search", "int64_t", "4", "ggml formats without act-order: choose each block or sub-block scale (and min) again among candidates within this many steps of ggml's, by GPTQ's objective over its columns (0: keep ggml's)">,
    Option<"asymmetric", "asymmetric", "bool", "false", "GPTAQ's asymmetric calibration (implies sequential): each weight's target is the original model's output on the original inputs, W' = W + W M H^-1 with M = sum (x - x~) x~^T and H from the quantized model's inputs x~ (the original model runs beside it)">,
    Option<"refine", "refine", "int64_t", "4", "ggml formats: passes of coordinate descent on GPTQ's objective after the sweep (levels +-1, block scales and mins one step; 0: none)">,
    Option<"guided", "guided", "int64_t", "0", "GuidedQuant: split each weight's output channels into this many groups of rows, each quantized with its own Hessian sum_t (mean_j g_tj^2) x_t x_t^T, g the next-token cross-entropy's gradient at the layer's output in the original model (ggml formats; 0: one Hessian per input, unweighted)">,
    Option<"tune", "tune", "int64_t", "0", "epochs over the calibration windows of end-to-end tuning after GPTQ: the ggml blocks' f16 scales d and dmin (and the norm weights) by Adam on the KL divergence from the original model, the integer levels kept (0: none)">,
    Option<"tuneRate", "tune-rate", "double", "0.001", "tune: Adam's step, relative to each parameter's starting value">,
    Option<"tuneBatch", "tune-batch", "int64_t", "4", "tune: windows per step">,
    Option<"tuneNorms", "tune-norms", "bool", "true", "tune: the RMS norm weights too (written to out= as f32)">,
  ];
  let statistics = [
    Statistic<"numWeights", "num-weights", "weights quantized by GPTQ">,
    Statistic<"numSkipped", "num-skipped", "planned weights left to the exporter">,
    Statistic<"numChunks", "num-chunks", "calibration runs (chunks of layers)">,
    Statistic<"numTuneSteps", "num-tune-steps", "Adam steps of tune">,
  ];
}

def SuperWeights : Pass<"llmq-super-weights", "::mlir::ModuleOp"> {
  let summary = "Finds super weights and pins them";
  let description = [{
    Default (`mode=contribution`): runs calibration text (`text=FILE`, the
    first `tokens=` tokens in windows of `ctx=`; the probe prompt when no
    text is given) through the reference runtime and scores every entry of
    every matrix the runtime multiplies (token embedding, q, k, v, output,
    gate, up, down) by w^2 * E[x_col^2], the mean square of what it adds to
    its output (the token embedding's input is one-hot: E = the token's
    frequency). Each tensor's top-k are ranked by their ratio to the mean
    score of their tensor; the `top-k` best ratios are the super weights.
    `mode=activation` is the rule of Yu et al. 2024: at every block's FFN
    down projection, per token of the probe prompt, the output channel r of
    largest |y_out| and the column c of the largest term of y_out[r]; the
    candidate W_down[r, c] scores max over tokens of |x_in[c] * y_out[r]|.
    `mode=weight-only` uses no activations: every down-projection entry
    scores |w| / rms(W_down). The model gets `super_weights = [[@weight,
    row, col, value], ...]` and each affected weight `pinned = [array<i64:
    row, col>, ...]`: entries later passes must keep exact (or in a
    high-precision format). `json=FILE` writes a report.
  }];
  let options = [
    Option<"prompt", "prompt", "std::string", "\"Apple Inc. is a worldwide tech company.\"", "probe prompt">,
    Option<"mode", "mode", "::mlir::llmq::SuperWeightsMode", "::mlir::llmq::SuperWeightsMode::Contribution",
           "how super weights are scored", [{::llvm::cl::values(
             clEnumValN(::mlir::llmq::SuperWeightsMode::Contribution, "contribution", "w^2 * E[x^2] over calibration text, against the tensor's mean"),
             clEnumValN(::mlir::llmq::SuperWeightsMode::Activation, "activation", "down-projection spikes on the probe prompt (Yu et al. 2024)"),
             clEnumValN(::mlir::llmq::SuperWeightsMode::WeightOnly, "weight-only", "|w| / rms(W_down), no activations"))}]>,
    Option<"textFile", "text", "std::string", "", "calibration text (contribution mode; default: the prompt)">,
    Option<"contextSize", "ctx", "int64_t", "256", "window length over the calibration text">,
    Option<"numTokens", "tokens", "int64_t", "16384", "calibration tokens used at most">,
    Option<"topK", "top-k", "int64_t", "1", "how many super weights to keep">,
    Option<"jsonFile", "json", "std::string", "", "also write the results to this JSON file">,
    Option<"threads", "threads", "unsigned", "0", "worker threads (0: the tool's --threads, 1 under --mlir-disable-threading, else all cores)">,
  ];
  let statistics = [
    Statistic<"numSuperWeights", "num-super-weights", "super weights found">,
  ];
}

def AssignBits : Pass<"llmq-assign-bits", "::mlir::ModuleOp"> {
  let summary = "Sets every weight's format: llama-quantize's choice for a file type, FP8 blocks, int groups, one format, or a measured mix";
  let description = [{
    Exactly one of four modes; docs/passes/assign-bits.md states every rule.

    `preset=q2_k|q3_k_s|q3_k_m|q3_k_l|q4_0|q4_k_s|q4_k_m|q5_k_s|q5_k_m|q6_k|q8_0`:
    every `llmq.weight` gets the `format` llama-quantize writes for that
    tensor in a file of that type (llama.cpp's llama_tensor_get_type: the
    output and tied-embedding rule, attn_v / ffn_down upgrades with
    use_more_bits, attn_output, the GQA rule, and the fallback for rows a
    type's blocks do not fit). Tensors llama.cpp never quantizes (1-D,
    norms) get f32. Existing formats are overwritten.

    `preset=fp8` (`#llmq.format<fp8_e4m3, block = [128, 128]>`) and
    `preset=w4a16` (`#llmq.format<int4, group = 128>`): that format on every
    quantizable matrix except the token embedding and the LM head (the
    usual `ignore: [lm_head]`; embeddings are no Linear layer), which keep
    their source format, as do norms and biases.

    `type=T` (any TensorFormat name: `q4_K`, `fp8_block`, `int4_g128`,
    `int8_g128_asym`, `int8`, ...): T on every quantizable matrix, like
    llama-quantize `--pure`; ggml types with llama.cpp's row fallback, the
    output and embeddings included; other formats as `preset=fp8`. A group
    format whose groups do not divide a weight's rows is refused naming it.

    `tensor-type=REGEX=FORMAT,...`: overrides, as llama-quantize's
    `--tensor-type`: matched (searched, case-insensitive) against each
    quantizable weight's GGUF name with `.weight` appended, first match
    wins; the weight gets FORMAT (ggml types with the row fallback; a group
    format that does not fit is refused) and is left out of the preset's
    rules and of the optimizer's choice.

    `target-bpw=X` or `target-bytes=N` (instead of a preset): measures, for
    every quantizable weight and each of q2_K, q3_K, q4_K, q5_K, q6_K, q8_0
    (32-element fallbacks where a row does not split into 256-element
    blocks), the importance-weighted squared error of quantizing it (the
    model's imatrix as importance when it names one), and picks one format
    per weight minimising the total error with the tensor bytes of all
    weights at most the budget (exact dynamic programming over sizes in
    small units, rounded up). With `text=FILE` (calibration text) and
    `sensitivity-tokens=N` > 0 (default 1024), each weight's errors are
    scaled by its measured sensitivity: the mean KL divergence, over the
    first N tokens of the text in windows of `ctx` (scoring the second half
    of each window, as llama-perplexity --kl-divergence does), between the unquantized
    model and the model with only that weight at its smallest candidate, per
    unit of that candidate's error; the knapsack then minimises the
    estimated KLD, and the output head is no longer held at q6_K or better.
    The unquantized model runs over the tokens once and the residual
    stream entering every block is kept, so a probe of a weight of block b
    runs blocks b.. and the head only (the same numbers as a full pass).
    Sets `assigned_error` (and `estimated_kld` and each weight's
    `sensitivity` with the probes).

    Every mode sets the model attributes `assigned_bytes` and `assigned_bpw`
    (all tensors of every weight, scales and zero points included) and
    reports them in a remark at the model.
  }];
  let options = [
    Option<"preset", "preset", "::mlir::llmq::AssignBitsPreset", "::mlir::llmq::AssignBitsPreset::None",
           "llama.cpp file type (any case), fp8 or w4a16", [{::llvm::cl::values(
             clEnumValN(::mlir::llmq::AssignBitsPreset::None, "none", "no preset: type=, target-bpw= or target-bytes= chooses"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q2_K, "q2_k", "llama.cpp's Q2_K"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q3_K_S, "q3_k_s", "llama.cpp's Q3_K_S"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q3_K_M, "q3_k_m", "llama.cpp's Q3_K_M"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q3_K_L, "q3_k_l", "llama.cpp's Q3_K_L"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q4_0, "q4_0", "llama.cpp's Q4_0"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q4_K_S, "q4_k_s", "llama.cpp's Q4_K_S"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q4_K_M, "q4_k_m", "llama.cpp's Q4_K_M"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q5_K_S, "q5_k_s", "llama.cpp's Q5_K_S"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q5_K_M, "q5_k_m", "llama.cpp's Q5_K_M"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q6_K, "q6_k", "llama.cpp's Q6_K"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::Q8_0, "q8_0", "llama.cpp's Q8_0"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::FP8, "fp8", "FP8 e4m3 in 128x128 blocks"),
             clEnumValN(::mlir::llmq::AssignBitsPreset::W4A16, "w4a16", "int4 in symmetric groups of 128"))}]>,
    Option<"uniformType", "type", "std::string", "\"\"", "one format on every quantizable matrix (q4_K, fp8_block, int4_g128, ...), as llama-quantize --pure">,
    ListOption<"tensorTypes", "tensor-type", "std::string", "REGEX=FORMAT overrides, first match wins (GGUF names with .weight)">,
    Option<"targetBpw", "target-bpw", "double", "0.0", "bits per weight budget over all weights (optimizer)">,
    Option<"targetBytes", "target-bytes", "int64_t", "0", "tensor data bytes budget over all weights (optimizer)">,
    Option<"threads", "threads", "unsigned", "0", "worker threads for the error measurement (0: the tool's --threads, 1 under --mlir-disable-threading, else all cores)">,
    Option<"textFile", "text", "std::string", "\"\"", "calibration text for the sensitivity probes (optimizer)">,
    Option<"sensitivityTokens", "sensitivity-tokens", "int64_t", "1024", "calibration tokens per sensitivity probe; 0: no probes (optimizer)">,
    Option<"contextSize", "ctx", "int64_t", "256", "window of the sensitivity probes, in tokens (optimizer)">,
    Option<"printTiming", "print-timing", "bool", "false", "print on stderr the wall and CPU seconds of the error measurement, the probes' base pass and the probes (optimizer)">,
    Option<"outFile", "out", "std::string", "\"\"", "write the chosen formats' bytes to this safetensors parameter file, the weights' sources pointing at it (optimizer): q4_0/q4_1/q5_0/q5_1/q8_0 by the refined scale search; with error=gptq, the weights GPTQ quantizes as GPTQ quantized their chosen candidate (what --llmq-gptq with the same options would write)">,
    Option<"errorMethod", "error", "std::string", "\"rtn\"", "how candidates are quantized for their errors and probes (optimizer): rtn (round to nearest, the exporter's), gptq (as --llmq-gptq would, with the gptq-* options and text=; the probes too) or gptq-factor (round-to-nearest errors and probes, each candidate's error scaled by GPTQ's reduction of its output error)">,
    Option<"gptqTokens", "gptq-tokens", "int64_t", "16384", "error=gptq: calibration tokens for the Hessians (--llmq-gptq's tokens=)">,
    Option<"gptqDamp", "gptq-damp", "double", "-1", "error=gptq: --llmq-gptq's damp= (default as there: 0.1 for a Hessian that a ggml candidate reads, 0.01 otherwise)">,
    Option<"gptqScaleSearch", "gptq-scale-search", "int64_t", "4", "error=gptq: --llmq-gptq's scale-search=">,
    Option<"gptqRefine", "gptq-refine", "int64_t", "4", "error=gptq: --llmq-gptq's refine=">,
    Option<"gptqHessianMiB", "gptq-hessian-mib", "int64_t", "1024", "error=gptq: memory for the Hessians of one chunk of layers (MiB), one calibration run per chunk">,
  ];
  let statistics = [
    Statistic<"numQuantized", "num-quantized", "weights given a quantized type">,
    Statistic<"numFallbacks", "num-fallbacks", "weights whose rows forced a fallback type">,
    Statistic<"numOverridden", "num-overridden", "weights whose format a tensor-type pattern set">,
    Statistic<"numProbes", "num-probes", "sensitivity probes run (one per quantizable weight)">,
    Statistic<"numProbeBlockTokens", "num-probe-block-tokens", "block x token evaluations the sensitivity probes ran">,
    Statistic<"numGptqRuns", "num-gptq-runs", "error=gptq: GPTQ quantizations of a weight to a candidate">,
  ];
}

def Report : Pass<"llmq-report", "::mlir::ModuleOp"> {
  let summary = "Writes the model's analyses as JSON and as an HTML page of charts";
  let description = [{
    Reads whatever analyses are on the model (`influence` on blocks from
    --llmq-block-influence, `stats` on weights from --llmq-weight-stats, the
    `imatrix` file named by --llmq-imatrix, `super_weights` / `pinned` from
    --llmq-super-weights, `format` / `quant_error` / `assigned_*` from
    --llmq-assign-bits) and writes `json=FILE` (the numbers per layer and
    per tensor) and `html=FILE`: one self-contained page (inline CSS and
    SVG, no script, nothing fetched) with a bar chart per analysis per layer
    and per tensor, each bar a `rect.mark` with `data-layer` or
    `data-tensor`; a missing analysis is named instead of charted. The IR is
    not changed. With `compare=FILE` (another run's JSON report, or its IR),
    the page opens with the two plans side by side: totals, bits per layer
    as paired bars, and the tensors whose formats differ.
  }];
  let options = [
    Option<"htmlFile", "html", "std::string", "", "write the HTML page here">,
    Option<"jsonFile", "json", "std::string", "", "write the JSON report here">,
    Option<"compareFile", "compare", "std::string", "",
           "another plan to show beside this one: a JSON report or an IR file">,
  ];
}

#endif // LLMQ_PASSES_TD
