// --llmq-assign-bits beyond llama.cpp's presets: preset=fp8 (FP8 e4m3 in
// 128x128 blocks) and preset=w4a16 (int4, symmetric groups of 128) on every
// quantizable matrix, with the token embedding and the LM head kept at their
// source format (`ignore: [lm_head]`) and norms as stored; type=T (one format
// everywhere, llama-quantize --pure: ggml types with the row fallback, the
// head and embeddings included); tensor-type=REGEX=FORMAT overrides (searched
// in the GGUF name with ".weight", case-insensitive, first match wins,
// llama.cpp's attn_v counter not advanced by an overridden tensor); and the
// assigned_bytes / assigned_bpw totals, which count scales and zero points.
// No weight data is read in these modes, so the sources need not exist.
//
// @untied: 2 layers, hidden 256 (rows of 256 split into 256-element K
// blocks), ffn 384 (ffn_down's rows of 384 do not: q4_K -> q5_0, q6_K ->
// q8_0). @tied: 1 layer, no output weight (token_embd serves as the head).
//
// Totals, by hand (bytes of a r x c matrix): bf16 2rc; fp8 rc + 4 per
// 128x128 block (partial blocks count); int4 g128 rc/2 + 4 rc/128; int8 g128
// asym rc + 4 rc/128 + rc/128; q4_K 144 per 256 values; q5_0 22 per 32.
// Elements: 2x64x256 + 2x(2x256 + 2x65536 + 2x32768 + 3x98304) + 256
// = 1017088. fp8: embeddings and norms in bf16 66048 + matrices 2x491640
// = 1051376 bytes, 8.26970 bpw. w4a16: 66048 + 2x261120 = 590336, 4.64334
// bpw. int8_g128_asym: 66048 + 2x511744 = 1089536, 8.56985 bpw. type=q4_K:
// embedding and head q4_K 2x9216, norms f32 2x2048 + 1024, per layer q4_K
// 196608 values (110592 bytes) and ffn_down q5_0 (67584): 601088, 4.72791.
//
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=preset=fp8 | FileCheck %s --check-prefix=FP8
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=preset=fp8 | quant-opt -split-input-file | FileCheck %s --check-prefix=FP8
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=preset=W4A16 | FileCheck %s --check-prefix=W4A16
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=type=q4_K | FileCheck %s --check-prefix=Q4K
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=type=int8_g128_asym | FileCheck %s --check-prefix=I8A
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=preset=q4_k_m | FileCheck %s --check-prefix=Q4KM
// RUN: quant-opt %s -split-input-file --llmq-assign-bits="preset=q4_k_m tensor-type=blk\.0\.attn_v=q8_0,blk\.[01]\.attn_v=f16,ffn_down=int4_g128,^output\.=q5_K,BLK\.\d+\.ATTN_Q=bf16" | FileCheck %s --check-prefix=OVR
// RUN: quant-opt %s -split-input-file --llmq-assign-bits="preset=q4_k_m tensor-type=blk\.0\.attn_v=q8_0" | FileCheck %s --check-prefix=COUNT
// RUN: quant-opt %s -split-input-file --llmq-assign-bits="preset=fp8 tensor-type=^output\.weight$=fp8_block" | FileCheck %s --check-prefix=HEAD
// RUN: quant-opt %s -split-input-file --llmq-assign-bits=preset=w4a16 -o /dev/null 2>&1 | FileCheck %s --check-prefix=SUMMARY
// RUN: quant-opt %s -split-input-file --llmq-assign-bits="type=q8_0 tensor-type=_norm=q4_0" -o /dev/null 2>&1 | FileCheck %s --check-prefix=NORM

// SUMMARY: {{.*}}assign-bits-formats.mlir:{{[0-9]+}}:1: remark: llmq-assign-bits: untied: preset=w4a16, assigned 590336 bytes (4.6433 bpw)
// SUMMARY: {{.*}}assign-bits-formats.mlir:{{[0-9]+}}:1: remark: llmq-assign-bits: tied: preset=w4a16, assigned

// A pattern that finds only norms changes nothing (norms are never
// quantized, as in llama.cpp) and is reported.
// NORM: {{.*}}assign-bits-formats.mlir:{{[0-9]+}}:1: remark: llmq-assign-bits: untied: type=q8_0, assigned
// NORM-NEXT: warning: llmq-assign-bits: tensor-type '_norm=q4_0' matches no quantizable weight

// The overrides: blk.0.attn_v takes the first pattern, blk.1.attn_v the
// second; ffn_down int4 groups (384 = 3 x 128); `^output\.` is anchored, so
// attn_output keeps q4_k_m's q4_K; `BLK\.\d+\.ATTN_Q` matches regardless of
// case. The COUNT run: with blk.0.attn_v overridden, llama.cpp's attn_v counter
// stays at 0 for blk.1.attn_v, which use_more_bits(0, 2) leaves at q4_K
// (q6_K without the override). The HEAD run: an override outranks the
// lm_head rule.

// FP8-LABEL: llmq.model @untied
// FP8-SAME: llmq.assigned_bpw = 8.269695{{[0-9]*}} : f64, llmq.assigned_bytes = 1051376 : i64
// FP8-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<bf16>, source
// FP8-LABEL: llmq.model @tied
// FP8-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// FP8-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<bf16>, source

// W4A16-LABEL: llmq.model @untied
// W4A16-SAME: llmq.assigned_bpw = 4.643342{{[0-9]*}} : f64, llmq.assigned_bytes = 590336 : i64
// W4A16-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<bf16>, source
// W4A16-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// W4A16-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// W4A16-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// W4A16-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// W4A16-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<int4, group = 128>, source
// W4A16-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<bf16>, source
// W4A16-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<bf16>, source

// Q4K-LABEL: llmq.model @untied
// Q4K-SAME: llmq.assigned_bpw = 4.727913{{[0-9]*}} : f64, llmq.assigned_bytes = 601088 : i64
// Q4K-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q5_0>, source
// Q4K-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<q5_0>, source
// Q4K-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-LABEL: llmq.model @tied
// Q4K-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// Q4K-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q5_0>, source
// Q4K-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>, source

// I8A-LABEL: llmq.model @untied
// I8A-SAME: llmq.assigned_bpw = 8.569846{{[0-9]*}} : f64, llmq.assigned_bytes = 1089536 : i64
// I8A-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<bf16>, source
// I8A-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// I8A-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// I8A-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// I8A-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// I8A-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<int8, group = 128, asymmetric>, source
// I8A-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<bf16>, source
// I8A-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<bf16>, source

// Q4KM-LABEL: llmq.model @untied
// Q4KM-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q5_0>, source
// Q4KM-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<q6_K>, source
// Q4KM-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<q8_0>, source
// Q4KM-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<q6_K>, source
// Q4KM-LABEL: llmq.model @tied
// Q4KM-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q6_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q6_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// Q4KM-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q8_0>, source
// Q4KM-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>, source

// OVR-LABEL: llmq.model @untied
// OVR-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// OVR-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<bf16>, source
// OVR-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q8_0>, source
// OVR-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// OVR-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<int4, group = 128>, source
// OVR-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// OVR-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<bf16>, source
// OVR-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<f16>, source
// OVR-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// OVR-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// OVR-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<int4, group = 128>, source
// OVR-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>, source
// OVR-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<q5_K>, source

// COUNT-LABEL: llmq.model @untied
// COUNT-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// COUNT-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<q8_0>, source
// COUNT-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// COUNT-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<q5_0>, source
// COUNT-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<f32>, source
// COUNT-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<f32>, source
// COUNT-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<q4_K>, source
// COUNT-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<q8_0>, source
// COUNT-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<f32>, source
// COUNT-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<q6_K>, source

// HEAD-LABEL: llmq.model @untied
// HEAD-NEXT: llmq.weight @token_embd : {{.*}} {format = #llmq.format<bf16>, source
// HEAD-NEXT: llmq.weight @blk.0.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// HEAD-NEXT: llmq.weight @blk.0.attn_q : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.0.attn_k : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.0.attn_v : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.0.attn_output : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.0.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// HEAD-NEXT: llmq.weight @blk.0.ffn_gate : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.0.ffn_up : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.0.ffn_down : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.attn_norm : {{.*}} {format = #llmq.format<bf16>, source
// HEAD-NEXT: llmq.weight @blk.1.attn_q : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.attn_k : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.attn_v : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.attn_output : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.ffn_norm : {{.*}} {format = #llmq.format<bf16>, source
// HEAD-NEXT: llmq.weight @blk.1.ffn_gate : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.ffn_up : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @blk.1.ffn_down : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source
// HEAD-NEXT: llmq.weight @output_norm : {{.*}} {format = #llmq.format<bf16>, source
// HEAD-NEXT: llmq.weight @output : {{.*}} {format = #llmq.format<fp8_e4m3, block = [128, 128]>, source

llmq.model @untied attributes {arch = "llama", hidden_size = 256 : i64, num_layers = 2 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, ffn_size = 384 : i64, vocab_size = 64 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = false} {
  llmq.weight @token_embd : tensor<64x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<384x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<384x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<256x384xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 0>}
  llmq.weight @blk.1.attn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_norm", offset = 0>}
  llmq.weight @blk.1.attn_q : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_q", offset = 0>}
  llmq.weight @blk.1.attn_k : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_k", offset = 0>}
  llmq.weight @blk.1.attn_v : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_v", offset = 0>}
  llmq.weight @blk.1.attn_output : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.attn_output", offset = 0>}
  llmq.weight @blk.1.ffn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_norm", offset = 0>}
  llmq.weight @blk.1.ffn_gate : tensor<384x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_gate", offset = 0>}
  llmq.weight @blk.1.ffn_up : tensor<384x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_up", offset = 0>}
  llmq.weight @blk.1.ffn_down : tensor<256x384xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.1.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.weight @output : tensor<64x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "output", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.block 1 weights {attn_norm = @blk.1.attn_norm, attn_q = @blk.1.attn_q, attn_k = @blk.1.attn_k, attn_v = @blk.1.attn_v, attn_output = @blk.1.attn_output, ffn_norm = @blk.1.ffn_norm, ffn_gate = @blk.1.ffn_gate, ffn_up = @blk.1.ffn_up, ffn_down = @blk.1.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @output
}

// -----

llmq.model @tied attributes {arch = "llama", hidden_size = 256 : i64, num_layers = 1 : i64, num_heads = 4 : i64, num_kv_heads = 2 : i64, head_dim = 64 : i64, ffn_size = 384 : i64, vocab_size = 64 : i64, context_length = 64 : i64, rope_theta = 1.0e4 : f64, norm_eps = 1.0e-5 : f64, tied_embeddings = true} {
  llmq.weight @token_embd : tensor<64x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "token_embd", offset = 0>}
  llmq.weight @blk.0.attn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_norm", offset = 0>}
  llmq.weight @blk.0.attn_q : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_q", offset = 0>}
  llmq.weight @blk.0.attn_k : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_k", offset = 0>}
  llmq.weight @blk.0.attn_v : tensor<128x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_v", offset = 0>}
  llmq.weight @blk.0.attn_output : tensor<256x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.attn_output", offset = 0>}
  llmq.weight @blk.0.ffn_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_norm", offset = 0>}
  llmq.weight @blk.0.ffn_gate : tensor<384x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_gate", offset = 0>}
  llmq.weight @blk.0.ffn_up : tensor<384x256xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_up", offset = 0>}
  llmq.weight @blk.0.ffn_down : tensor<256x384xbf16> {source = #llmq.source<file = "w.safetensors", key = "blk.0.ffn_down", offset = 0>}
  llmq.weight @output_norm : tensor<256xbf16> {source = #llmq.source<file = "w.safetensors", key = "output_norm", offset = 0>}
  llmq.embedding @token_embd
  llmq.block 0 weights {attn_norm = @blk.0.attn_norm, attn_q = @blk.0.attn_q, attn_k = @blk.0.attn_k, attn_v = @blk.0.attn_v, attn_output = @blk.0.attn_output, ffn_norm = @blk.0.ffn_norm, ffn_gate = @blk.0.ffn_gate, ffn_up = @blk.0.ffn_up, ffn_down = @blk.0.ffn_down}
  llmq.final_norm @output_norm
  llmq.lm_head @token_embd
}
