#!/usr/bin/env node
// llama-cpp.mjs: check llmq-written GGUF files with real llama.cpp, through
// node-llama-cpp 3.22.1 (prebuilt CPU binaries from @node-llama-cpp/linux-x64;
// nothing is built or downloaded at run time, so it works with no network).
//
// Usage (every subcommand prints exactly one JSON object on stdout):
//   llama-cpp.mjs tokenize MODEL.gguf TEXT
//       -> {"ids": [...]}                   raw llama.cpp tokenization, no BOS
//   llama-cpp.mjs generate MODEL.gguf --prompt TEXT [-n N] [--logit-bias FILE.json] [--args-file FILE.args] [--args-file FILE.args]
//       -> {"prompt_ids", "ids", "text"}    greedy continuation of [BOS?] + tokenize(TEXT)
//       --args-file takes the flags of llmq's MODEL.gguf.logit-bias.args sidecar, one a line,
//       as llama-cli would: --logit-bias ID-inf / ID+BIAS, --repeat-penalty P (1: off) and
//       --repeat-last-n N (-1: the context size, 0: off; llama.cpp's default is 64).
//       The penalty reaches llama.cpp's penalties sampler through node-llama-cpp's
//       repeatPenalty {penalty, punishTokens}: the last N tokens of prompt + generated,
//       re-read at every step (llama-cli likewise feeds the prompt to the sampler).
//   llama-cpp.mjs check MODEL.gguf REF.json [--max N] [--min-match N] [--tie-gap G]
//       REF.json: {"greedy_fp32": {PROMPT: {prompt_ids, greedy_ids, greedy_text, [top2_gap]}}}
//       -> {"add_bos", "bos", "n_vocab", "prompts": {PROMPT: {tokens_raw, tokens, prompt_ids_match,
//            greedy, greedy_text, n_match, n_ref, [required]}}, ["ok"]}
//       tokens_raw = llama.cpp tokenization of the prompt text (no BOS); tokens = the
//       same with BOS prepended when the model asks for it; prompt_ids_match compares
//       tokens with REF's prompt_ids. greedy = llama.cpp's greedy continuation of REF's
//       prompt_ids (used as ids, never re-tokenized), --max tokens (default
//       len(greedy_ids)); n_match = number of leading greedy tokens equal to greedy_ids.
//       With --min-match N (and optionally --tie-gap G) every prompt must have
//       prompt_ids_match and n_match >= min(N, k), where k is the first step with
//       top2_gap[k] < G (only when G is given and REF has top2_gap); failures are
//       explained on stderr and the exit code is 3.
// Common options:
//   --threads T  default 1, always passed explicitly (node-llama-cpp's own default of 4
//                is very slow on a 2-core machine); for these tiny models one thread
//                beat two: ~1.0 s vs ~2.3 s per check, 1.2 s vs 8.8 s for two checks at
//                once, since ggml's worker threads spin while waiting
//   --ctx C      default 512; raised to fit prompt + generated tokens, so no context
//                shift ever happens
//   --seed S     default 42 (greedy does not use it)
//   --verbose    pass llama.cpp's warnings through to stderr (default: errors only)
//
// Greedy means argmax: sequence.evaluate(ids, {temperature: 0}) builds a llama.cpp
// sampler chain holding only llama_sampler_init_greedy (no repeat penalty, no
// top-k/top-p, no token bias); yieldEogToken: true keeps going past EOS.
// (LlamaCompletion is not used: it stops at EOS, takes text rather than ids, and
// always wires a repeat-penalty config in, documented as penalty 1.1 over the last 64
// tokens, though in 3.22.1 the penalty left unset reaches llama.cpp as 1.0, i.e. off.)
//
// Exit codes: 0 ok, 1 load/runtime failure (message on stderr), 2 usage error,
// 3 check thresholds not met.

import process from "node:process";
import fs from "node:fs";
import { getLlama, LlamaLogLevel, TokenBias } from "node-llama-cpp";

const USAGE = `usage:
  llama-cpp.mjs tokenize MODEL.gguf TEXT
  llama-cpp.mjs generate MODEL.gguf --prompt TEXT [-n N] [--logit-bias FILE.json] [--args-file FILE.args]
  llama-cpp.mjs check MODEL.gguf REF.json [--max N] [--min-match N] [--tie-gap G]
  llama-cpp.mjs evalspeed MODEL.gguf IDS.json [--ctx C] [--last-only]   (IDS.json: quant-run tokenize output)
common options: --threads T (1)  --ctx C (512)  --seed S (42)  --verbose (llama.cpp warnings)`;

class UsageError extends Error {}

function parseArgs(argv) {
    const valued = new Set(["--logit-bias", "--args-file", "--prompt", "-n", "--max", "--min-match", "--tie-gap", "--threads", "--ctx", "--seed", "--kv-type"]);
    const opts = {};
    const pos = [];
    for (let i = 0; i < argv.length; i++) {
        const a = argv[i];
        if (a === "--verbose" || a === "--last-only") {
            opts[a] = true;
            continue;
        }
        if (a === "-h" || a === "--help") {
            process.stdout.write(USAGE + "\n");
            process.exit(0);
        }
        if (valued.has(a)) {
            if (i + 1 >= argv.length)
                throw new UsageError(`${a} needs a value`);
            opts[a] = argv[++i];
        } else if (a.startsWith("--") && a.includes("=") && valued.has(a.slice(0, a.indexOf("=")))) {
            opts[a.slice(0, a.indexOf("="))] = a.slice(a.indexOf("=") + 1);
        } else if (a.startsWith("-") && a.length > 1 && !/^-\d/.test(a)) {
            throw new UsageError(`unknown option ${a}`);
        } else {
            pos.push(a);
        }
    }
    return { opts, pos };
}

// The ggml type of the KV cache: f16 (llama.cpp's default) or f32.
function kvTypeOpt(opts) {
    const v = opts["--kv-type"] ?? "f16";
    if (v !== "f16" && v !== "f32")
        throw new UsageError(`--kv-type must be f16 or f32, got ${JSON.stringify(v)}`);
    return v.toUpperCase();
}

function intOpt(opts, name, dflt, min = 0) {
    if (opts[name] == null)
        return dflt;
    const v = Number(opts[name]);
    if (!Number.isInteger(v) || v < min)
        throw new UsageError(`${name} must be an integer >= ${min}, got ${JSON.stringify(opts[name])}`);
    return v;
}

function numOpt(opts, name) {
    if (opts[name] == null)
        return undefined;
    const v = Number(opts[name]);
    if (!Number.isFinite(v))
        throw new UsageError(`${name} must be a number, got ${JSON.stringify(opts[name])}`);
    return v;
}

// Load the model and one context with a single sequence. Throws on any failure.
async function load(modelPath, { threads, contextSize, verbose, kvType }) {
    if (!fs.existsSync(modelPath))
        throw new Error(`model file not found: ${modelPath}`);
    const llama = await getLlama({
        gpu: false,
        build: "never",          // only the prebuilt binary, never compile or download
        usePrebuiltBinaries: true,
        skipDownload: true,
        progressLogs: false,
        maxThreads: threads,
        logLevel: verbose ? LlamaLogLevel.warn : LlamaLogLevel.error,
        // keep stdout clean for the JSON result
        logger: (level, message) => process.stderr.write(`llama.cpp [${level}]: ${message.endsWith("\n") ? message : message + "\n"}`),
    });
    let model;
    try {
        model = await llama.loadModel({
            modelPath,
            gpuLayers: 0,
            useMmap: false,
            checkTensors: true,  // validate tensor data while loading
        });
    } catch (e) {
        throw new Error(`failed to load ${modelPath}: ${e?.message ?? e}`);
    }
    // The model's training context may be smaller than what we ask for; llama.cpp
    // just warns about that, which is fine for these short checks.
    const context = await model.createContext({
        contextSize,
        batchSize: contextSize,
        sequences: 1,
        threads,
        flashAttention: false,
        // llama.cpp keeps K and V in f16 unless told otherwise; comparisons
        // with an f32 runtime can ask for f32 caches (--kv-type f32).
        experimentalKvCacheKeyType: kvType,
        experimentalKvCacheValueType: kvType,
    });
    const sequence = context.getSequence();
    return { llama, model, context, sequence };
}

// Greedy (argmax) continuation of `ids`, exactly `n` tokens, not stopping at EOS.
// The logit bias of a sidecar written by llmq's GGUF export
// (MODEL.gguf.logit-bias.json, llama-server's {"logit_bias": [[id, false|bias]]}).
function loadTokenBias(model, path) {
    if (!path)
        return undefined;
    const bias = new TokenBias(model.tokenizer);
    for (const [id, value] of JSON.parse(fs.readFileSync(path, "utf8")).logit_bias ?? [])
        bias.set(id, value === false ? "never" : value);
    return bias;
}

// The flags of a MODEL.gguf.logit-bias.args sidecar (one llama.cpp flag and its
// value a line): {bias: [[id, false|bias]], repeatPenalty, repeatLastN}. Any other
// line is refused, naming the file and the line.
function loadArgsFile(path) {
    if (!path)
        return undefined;
    let text;
    try {
        text = fs.readFileSync(path, "utf8");
    } catch (e) {
        throw new Error(`--args-file: cannot read ${path}: ${e.message}`);
    }
    const args = { bias: [] };
    text.split("\n").forEach((line, i) => {
        const where = `${path}:${i + 1}`;
        line = line.trim();
        if (line === "")
            return;
        const m = /^(--[a-z-]+)\s+(\S+)$/.exec(line);
        if (!m)
            throw new Error(`${where}: expected "--flag value", got ${JSON.stringify(line)}`);
        const [, flag, value] = m;
        if (flag === "--logit-bias") {
            const b = /^(\d+)([-+].+)$/.exec(value);
            const bias = b && (b[2] === "-inf" ? false : Number(b[2]));
            if (!b || (bias !== false && !Number.isFinite(bias)))
                throw new Error(`${where}: --logit-bias ${JSON.stringify(value)} is not ID-inf or ID+BIAS`);
            args.bias.push([Number(b[1]), bias]);
        } else if (flag === "--repeat-penalty") {
            const v = Number(value);
            if (!Number.isFinite(v) || v <= 0)
                throw new Error(`${where}: --repeat-penalty ${JSON.stringify(value)} is not a finite number > 0`);
            args.repeatPenalty = v;
        } else if (flag === "--repeat-last-n") {
            const v = Number(value);
            if (!Number.isInteger(v) || v < -1)
                throw new Error(`${where}: --repeat-last-n ${JSON.stringify(value)} is not an integer >= -1`);
            args.repeatLastN = v;
        } else {
            throw new Error(`${where}: unknown flag ${flag} (expected --logit-bias, --repeat-penalty or --repeat-last-n)`);
        }
    });
    return args;
}

// The sampling options of --logit-bias FILE.json and --args-file FILE.args:
// {tokenBias, repeat: {penalty, lastN} | undefined}. As in llama.cpp, a penalty
// without --repeat-last-n looks at the last 64 tokens.
function samplingOptions(model, context, opts) {
    const args = loadArgsFile(opts["--args-file"]);
    let tokenBias = loadTokenBias(model, opts["--logit-bias"]);
    if (args != null && args.bias.length > 0) {
        tokenBias ??= new TokenBias(model.tokenizer);
        for (const [id, value] of args.bias)
            tokenBias.set(id, value === false ? "never" : value);
    }
    let repeat;
    if (args?.repeatPenalty != null) {
        const lastN = args.repeatLastN ?? 64;
        repeat = { penalty: args.repeatPenalty, lastN: lastN === -1 ? context.contextSize : lastN };
    }
    return { tokenBias, repeat };
}

async function greedy(sequence, ids, n, seed, tokenBias, repeat) {
    await sequence.clearHistory();
    const out = [];
    if (n <= 0)
        return out;
    // llama.cpp's penalties sampler over the last lastN tokens of prompt + output
    const history = [...ids];
    const repeatPenalty = repeat != null && repeat.lastN > 0 && repeat.penalty !== 1
        ? { penalty: repeat.penalty, maxPunishTokens: repeat.lastN, punishTokens: () => history.slice(-repeat.lastN) }
        : undefined;
    for await (const token of sequence.evaluate(ids, {
        temperature: 0,          // -> llama_sampler_init_greedy only
        seed,
        tokenBias,               // --logit-bias FILE, applied before sampling
        repeatPenalty,           // --args-file's --repeat-penalty / --repeat-last-n
        yieldEogToken: true,     // do not stop at EOS/EOT
    })) {
        history.push(token);
        out.push(token);
        if (out.length >= n)
            break;               // return() on the generator; the last token is not decoded
    }
    return out;
}

function promptIds(model, text) {
    const raw = model.tokenize(text, false);
    const bos = model.tokens.bos;
    const addBos = model.tokens.shouldPrependBosToken && bos != null;
    return { raw, ids: addBos ? [bos, ...raw] : raw.slice(), addBos };
}

function countLeadingMatches(a, b) {
    let i = 0;
    while (i < a.length && i < b.length && a[i] === b[i])
        i++;
    return i;
}

function arraysEqual(a, b) {
    return Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]);
}

async function cmdTokenize(pos, opts, common) {
    if (pos.length !== 2)
        throw new UsageError("tokenize takes MODEL.gguf TEXT");
    const [modelPath, text] = pos;
    const { model } = await load(modelPath, { ...common, contextSize: common.ctx });
    return { ids: model.tokenize(text, false) };
}

async function cmdGenerate(pos, opts, common) {
    if (pos.length !== 1)
        throw new UsageError("generate takes MODEL.gguf --prompt TEXT [-n N]");
    if (opts["--prompt"] == null)
        throw new UsageError("generate needs --prompt TEXT");
    const n = intOpt(opts, "-n", 32);
    const [modelPath] = pos;
    // the prompt length is unknown before loading: tokenizing is cheap, load once with
    // a context big enough for a generous prompt, then check
    const { model, sequence, context } = await load(modelPath, { ...common, contextSize: Math.max(common.ctx, n + 256) });
    const p = promptIds(model, opts["--prompt"]);
    if (p.ids.length === 0)
        throw new Error("empty prompt and the model does not add BOS: nothing to evaluate");
    if (p.ids.length + n > context.contextSize)
        throw new Error(`prompt (${p.ids.length}) + n (${n}) exceeds context size ${context.contextSize}; pass --ctx`);
    const { tokenBias, repeat } = samplingOptions(model, context, opts);
    const ids = await greedy(sequence, p.ids, n, common.seed, tokenBias, repeat);
    return {
        prompt_ids: p.ids,
        ids,
        text: model.detokenize(ids, false, p.ids),
    };
}

async function cmdCheck(pos, opts, common) {
    if (pos.length !== 2)
        throw new UsageError("check takes MODEL.gguf REF.json");
    const [modelPath, refPath] = pos;
    let ref;
    try {
        ref = JSON.parse(fs.readFileSync(refPath, "utf8"));
    } catch (e) {
        throw new Error(`cannot read reference ${refPath}: ${e.message}`);
    }
    const cases = ref?.greedy_fp32;
    if (cases == null || typeof cases !== "object" || Object.keys(cases).length === 0)
        throw new Error(`${refPath}: no "greedy_fp32" prompts`);
    for (const [prompt, c] of Object.entries(cases))
        if (!Array.isArray(c?.prompt_ids) || c.prompt_ids.length === 0 || !Array.isArray(c?.greedy_ids))
            throw new Error(`${refPath}: prompt ${JSON.stringify(prompt)} lacks prompt_ids/greedy_ids`);

    const maxOpt = opts["--max"] != null ? intOpt(opts, "--max", 0) : undefined;
    const minMatch = opts["--min-match"] != null ? intOpt(opts, "--min-match", 0) : undefined;
    const tieGap = numOpt(opts, "--tie-gap");
    if (tieGap != null && minMatch == null)
        throw new UsageError("--tie-gap only makes sense with --min-match");

    let needed = 0;
    for (const c of Object.values(cases))
        needed = Math.max(needed, c.prompt_ids.length + (maxOpt ?? c.greedy_ids.length));
    const { model, sequence } = await load(modelPath, { ...common, contextSize: Math.max(common.ctx, needed) });

    // llama.cpp rejects out-of-range ids with a bare "Eval has failed": say why instead
    const nVocab = model.fileInfo?.metadata?.tokenizer?.ggml?.tokens?.length;
    for (const [prompt, c] of Object.entries(cases)) {
        const bad = c.prompt_ids.find((t) => !Number.isInteger(t) || t < 0 || (nVocab != null && t >= nVocab));
        if (bad !== undefined)
            throw new Error(`prompt ${JSON.stringify(prompt)}: reference prompt id ${bad} is not a token of this model (vocabulary size ${nVocab})`);
    }

    const prompts = {};
    const failures = [];
    for (const [prompt, c] of Object.entries(cases)) {
        const p = promptIds(model, prompt);
        const n = maxOpt ?? c.greedy_ids.length;
        const ids = await greedy(sequence, c.prompt_ids, n, common.seed, loadTokenBias(model, opts["--logit-bias"]));
        const r = {
            tokens_raw: p.raw,
            tokens: p.ids,
            prompt_ids_match: arraysEqual(p.ids, c.prompt_ids),
            greedy: ids,
            greedy_text: model.detokenize(ids, false, c.prompt_ids),
            n_match: countLeadingMatches(ids, c.greedy_ids),
            n_ref: c.greedy_ids.length,
        };
        if (minMatch != null) {
            let required = minMatch;
            let tieAt;
            if (tieGap != null && Array.isArray(c.top2_gap)) {
                const k = c.top2_gap.findIndex((g) => g < tieGap);
                if (k >= 0 && k < required) {
                    required = k;
                    tieAt = k;
                }
            }
            r.required = required;
            const why = [];
            if (!r.prompt_ids_match)
                why.push(`prompt ids differ: llama.cpp ${JSON.stringify(p.ids)} vs reference ${JSON.stringify(c.prompt_ids)}`);
            if (r.n_match < required) {
                const at = r.n_match;
                const detail = at < ids.length && at < c.greedy_ids.length
                    ? `; first difference at step ${at}: llama.cpp ${ids[at]} vs reference ${c.greedy_ids[at]}`
                    : `; only ${Math.min(ids.length, c.greedy_ids.length)} tokens compared`;
                why.push(`n_match ${r.n_match} < required ${required}` +
                    (tieAt != null ? ` (min-match ${minMatch} lowered by top2_gap[${tieAt}] = ${c.top2_gap[tieAt]} < ${tieGap})` : "") +
                    detail);
            }
            if (why.length > 0)
                failures.push(`FAIL ${JSON.stringify(prompt)}: ${why.join("; ")}`);
        }
        prompts[prompt] = r;
    }
    const result = { add_bos: model.tokens.shouldPrependBosToken, bos: model.tokens.bos, n_vocab: nVocab ?? null, prompts };
    if (minMatch != null)
        result.ok = failures.length === 0;
    return { result, failures };
}

// Times llama.cpp on the windows quant-run's ppl scores: window w is
// ids[w*ctx, w*ctx+ctx), evaluated from an empty sequence, with the logits of
// every position computed (each position asks for its next token's logit, so
// llama.cpp runs the output layer on all of them, as llama-perplexity does).
async function cmdEvalSpeed(pos, opts, common) {
    if (pos.length !== 2)
        throw new UsageError("evalspeed takes MODEL.gguf IDS.json");
    const [modelPath, idsPath] = pos;
    const ids = JSON.parse(fs.readFileSync(idsPath, "utf8")).ids;
    const ctx = common.ctx;
    // --last-only skips the output layer on all but the last position: an
    // upper bound on llama.cpp's speed, without the per-position requests.
    const lastOnly = opts["--last-only"] === true;
    const { sequence } = await load(modelPath, { ...common, contextSize: ctx + 1 });
    let windows = 0;
    const start = process.hrtime.bigint();
    for (let s = 0; s + ctx + 1 < ids.length; s += ctx, ++windows) {
        await sequence.clearHistory();
        const window = ids.slice(s, s + ctx);
        if (lastOnly) {
            await sequence.evaluateWithoutGeneratingNewTokens(window);
            continue;
        }
        const input = window.map((id, t) =>
            [id, { generateNext: { logits: { filter: { tokens: [ids[s + t + 1]] } } } }]);
        await sequence.controlledEvaluate(input);
    }
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    return { windows, ctx, tokens: windows * ctx, seconds, tokens_per_second: windows * ctx / seconds,
             threads: common.threads, all_logits: !lastOnly };
}

async function main() {
    const argv = process.argv.slice(2);
    let sub, pos, opts, common;
    try {
        if (argv.length === 0)
            throw new UsageError("missing subcommand");
        sub = argv[0];
        ({ pos, opts } = parseArgs(argv.slice(1)));
        common = {
            threads: intOpt(opts, "--threads", 1, 1),
            ctx: intOpt(opts, "--ctx", 512, 1),
            seed: intOpt(opts, "--seed", 42),
            verbose: opts["--verbose"] === true,
            kvType: kvTypeOpt(opts),
        };
        if (!["tokenize", "generate", "check", "evalspeed"].includes(sub))
            throw new UsageError(`unknown subcommand ${sub}`);
    } catch (e) {
        process.stderr.write(`llama-cpp.mjs: ${e.message}\n${USAGE}\n`);
        return 2;
    }
    try {
        let out, failures = [];
        if (sub === "tokenize")
            out = await cmdTokenize(pos, opts, common);
        else if (sub === "generate")
            out = await cmdGenerate(pos, opts, common);
        else if (sub === "evalspeed")
            out = await cmdEvalSpeed(pos, opts, common);
        else
            ({ result: out, failures } = await cmdCheck(pos, opts, common));
        process.stdout.write(JSON.stringify(out) + "\n");
        for (const f of failures)
            process.stderr.write(`llama-cpp.mjs check: ${f}\n`);
        return failures.length > 0 ? 3 : 0;
    } catch (e) {
        if (e instanceof UsageError) {
            process.stderr.write(`llama-cpp.mjs: ${e.message}\n${USAGE}\n`);
            return 2;
        }
        process.stderr.write(`llama-cpp.mjs ${sub}: error: ${e?.message ?? e}\n`);
        return 1;
    }
}

// process.exit rather than letting the event loop drain: node-llama-cpp keeps
// native handles alive, and disposing them buys nothing for a one-shot CLI
main().then((code) => process.exit(code), (e) => {
    process.stderr.write(`llama-cpp.mjs: error: ${e?.stack ?? e}\n`);
    process.exit(1);
});
