// RUN: quant-opt %s -split-input-file -verify-diagnostics

// Each chunk holds one #llmq.format the parser or verifier refuses.

// expected-error @+1 {{unknown storage format 'int5' (a ggml type, fp8_e4m3, int4 or int8)}}
module attributes {test.f = #llmq.format<int5>} {}

// -----

// expected-error @+1 {{unknown storage format 'fp8' (a ggml type, fp8_e4m3, int4 or int8)}}
module attributes {test.f = #llmq.format<fp8>} {}

// -----

// expected-error @+1 {{invalid storage format 'int4_g100': a group is 0 (per channel) or a power of two from 8 to 4096}}
module attributes {test.f = #llmq.format<int4, group = 100>} {}

// -----

// expected-error @+1 {{invalid storage format 'int8_g4': a group is 0 (per channel) or a power of two from 8 to 4096}}
module attributes {test.f = #llmq.format<int8, group = 4>} {}

// -----

// expected-error @+1 {{invalid storage format 'int8_g8192': a group is 0 (per channel) or a power of two from 8 to 4096}}
module attributes {test.f = #llmq.format<int8, group = 8192>} {}

// -----

// expected-error @+1 {{invalid storage format 'fp8_block_0x128': fp8 block edges must be 1..4096}}
module attributes {test.f = #llmq.format<fp8_e4m3, block = [0, 128]>} {}

// -----

// expected-error @+1 {{invalid storage format 'fp8_block_128x8192': fp8 block edges must be 1..4096}}
module attributes {test.f = #llmq.format<fp8_e4m3, block = [128, 8192]>} {}

// -----

// expected-error @+1 {{format 'int4' takes no parameter 'block'}}
module attributes {test.f = #llmq.format<int4, block = [128, 128]>} {}

// -----

// expected-error @+1 {{format 'fp8_block' takes no parameter 'group'}}
module attributes {test.f = #llmq.format<fp8_e4m3, group = 128>} {}

// -----

// expected-error @+1 {{format 'fp8_block' takes no parameter 'asymmetric'}}
module attributes {test.f = #llmq.format<fp8_e4m3, asymmetric>} {}

// -----

// expected-error @+1 {{format 'q4_K' takes no parameter 'group'}}
module attributes {test.f = #llmq.format<q4_K, group = 32>} {}
