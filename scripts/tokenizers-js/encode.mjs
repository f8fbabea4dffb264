// Token ids from Hugging Face's tokenizers.js, the reference for
// test/runtime/tokenizers-js.test.
//
// Usage: node encode.mjs TOKENIZER_DIR CASES_JSON
//
// TOKENIZER_DIR holds tokenizer.json and tokenizer_config.json; CASES_JSON
// is an array of {"name", "text"}. Prints one JSON object per case and mode:
// {"name", "parse_special", "ids"}, ids with the post-processor's special
// tokens (add_special_tokens, as transformers' default). parse_special false
// is transformers' split_special_tokens=True: tokenizers.js always splits
// added tokens out of the text, so that mode drops the special ones from
// added_tokens, leaving their text to the model as tokenizers'
// encode_special_tokens does.
import fs from "node:fs";
import path from "node:path";
import { Tokenizer } from "@huggingface/tokenizers";

const [dir, casesFile] = process.argv.slice(2);
if (!dir || !casesFile) {
  console.error("usage: node encode.mjs TOKENIZER_DIR CASES_JSON");
  process.exit(2);
}
const read = (file) => JSON.parse(fs.readFileSync(file, "utf8"));
const json = read(path.join(dir, "tokenizer.json"));
const config = read(path.join(dir, "tokenizer_config.json"));
const cases = read(casesFile);

const parsing = new Tokenizer(json, config);
const splitting = new Tokenizer(
  { ...json, added_tokens: json.added_tokens.filter((t) => !t.special) },
  config,
);
for (const { name, text } of cases) {
  for (const [parseSpecial, tokenizer] of [
    [true, parsing],
    [false, splitting],
  ]) {
    const ids = tokenizer.encode(text, { add_special_tokens: true }).ids;
    console.log(JSON.stringify({ name, parse_special: parseSpecial, ids }));
  }
}
