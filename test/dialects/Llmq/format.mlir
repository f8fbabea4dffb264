// RUN: quant-opt %s | FileCheck %s
// RUN: quant-opt %s | quant-opt | FileCheck %s

// #llmq.format names every storage format: each kind parses, prints in its
// one spelling (fp8_e4m3's default block is printed) and parses back;
// the printer sorts the attributes by name.
// CHECK-LABEL: module attributes
// CHECK-SAME: test.fp8_block = #llmq.format<fp8_e4m3, block = [128, 128]>
// CHECK-SAME: test.fp8_default = #llmq.format<fp8_e4m3, block = [128, 128]>
// CHECK-SAME: test.fp8_other = #llmq.format<fp8_e4m3, block = [64, 32]>
// CHECK-SAME: test.ggml_float = #llmq.format<bf16>
// CHECK-SAME: test.ggml_iq = #llmq.format<iq4_nl>
// CHECK-SAME: test.ggml_k = #llmq.format<q4_K>
// CHECK-SAME: test.ggml_legacy = #llmq.format<q8_0>
// CHECK-SAME: test.int4_asym = #llmq.format<int4, group = 128, asymmetric>
// CHECK-SAME: test.int4_group = #llmq.format<int4, group = 128>
// CHECK-SAME: test.int8_channel = #llmq.format<int8>
// CHECK-SAME: test.int8_channel_asym = #llmq.format<int8, asymmetric>
// CHECK-SAME: test.int8_group = #llmq.format<int8, group = 32>
// CHECK-SAME: test.int8_limits = [#llmq.format<int8, group = 8>, #llmq.format<int8, group = 4096>]
module attributes {
  test.ggml_k = #llmq.format<q4_K>,
  test.ggml_legacy = #llmq.format<q8_0>,
  test.ggml_float = #llmq.format<bf16>,
  test.ggml_iq = #llmq.format<iq4_nl>,
  test.fp8_default = #llmq.format<fp8_e4m3>,
  test.fp8_block = #llmq.format<fp8_e4m3, block = [128, 128]>,
  test.fp8_other = #llmq.format<fp8_e4m3, block = [64, 32]>,
  test.int4_group = #llmq.format<int4, group = 128>,
  test.int4_asym = #llmq.format<int4, group = 128, asymmetric>,
  test.int8_channel = #llmq.format<int8>,
  test.int8_channel_asym = #llmq.format<int8, asymmetric>,
  test.int8_group = #llmq.format<int8, group = 32>,
  test.int8_limits = [#llmq.format<int8, group = 8>, #llmq.format<int8, group = 4096>]
} {
}
