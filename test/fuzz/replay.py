#!/usr/bin/env python3
"""Replays a fuzz target's corpus through the normal (non-sanitized) tools.

    replay.py TARGET CORPUS_DIR SCRATCH_DIR

For each input, in name order, prints one line:
    NAME: ok                  the tool accepted it (exit 0)
    NAME: error: MESSAGE      refused: exit 1 and exactly one error line
                              (MESSAGE has SCRATCH_DIR replaced by SCRATCH)
    NAME: BAD: WHAT           anything else: a signal, another exit status,
                              a timeout, not exactly one error line, an
                              output file written by a failed import, or
                              more than 4 GB of address space
Inputs listed in open-crashes.txt (inputs the fuzzers found whose fix has
not landed yet, with how the tool gets them wrong today: "crash", a BAD
outcome, or "accepted", exit 0 where it must refuse them) print
    NAME: open                while the tool still gets them wrong that way,
    NAME: BAD: fixed, ...     once it does not, so the list gets emptied.
The tools must be on PATH. How each target's input reaches a tool:
    safetensors  model.safetensors of a checkpoint with kjv-tiny's config:
                 quant-translate --import-hf
    hf-index     model.safetensors.index.json beside qwen3-tiny-tied's
                 shards: quant-translate --import-hf
    hf-config    config.json beside kjv-tiny's weights and tokenizer:
                 quant-translate --import-hf
    tokenizer    tokenizer.json beside kjv-tiny's config and weights:
                 quant-run tokenize with a fixed prompt
    ir           quant-opt (parse and verify), run in test/models
"""
import os
import re
import resource
import shutil
import subprocess
import sys

MODELS = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                      "models")
PROMPT = "Hello, world! In the beginning 1234 caf\u00e9 \u4e2d\u6587 <s> </s>"
# The fixed files each checkpoint-shaped target links in, and the name its
# input takes.
CHECKPOINTS = {
    "safetensors": ("kjv-tiny", "model.safetensors"),
    "hf-index": ("qwen3-tiny-tied", "model.safetensors.index.json"),
    "hf-config": ("kjv-tiny", "config.json"),
    "tokenizer": ("kjv-tiny", "tokenizer.json"),
}


def checkpoint(target, name, scratch):
    model, as_name = CHECKPOINTS[target]
    directory = os.path.join(scratch, name)
    os.makedirs(directory)
    for entry in os.listdir(os.path.join(MODELS, model)):
        if entry != as_name and not (target == "safetensors" and
                                     entry.endswith(".safetensors")):
            os.symlink(os.path.join(MODELS, model, entry),
                       os.path.join(directory, entry))
    return directory, as_name


def command(target, path, name, scratch):
    if target == "ir":
        return ["quant-opt", os.path.abspath(path)], MODELS
    directory, as_name = checkpoint(target, name, scratch)
    shutil.copyfile(path, os.path.join(directory, as_name))
    if target == "tokenizer":
        return ["quant-run", "tokenize", directory, "--prompt", PROMPT], scratch
    return ["quant-translate", "--import-hf", directory, "-o",
            os.path.join(directory, "out.mlir")], scratch


def limit_memory():
    limit = 4 << 30
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def outcome(target, path, name, scratch):
    argv, cwd = command(target, path, name, scratch)
    try:
        run = subprocess.run(argv, cwd=cwd, capture_output=True, timeout=120,
                             preexec_fn=limit_memory)
    except subprocess.TimeoutExpired:
        return "BAD: timed out"
    err = run.stderr.decode(errors="replace").replace(scratch, "SCRATCH")
    lines = err.splitlines()
    if run.returncode == 0:
        return "ok" if "error:" not in err else "BAD: exit 0 after " + lines[0]
    if run.returncode < 0:
        return "BAD: killed by signal %d" % -run.returncode
    if run.returncode != 1:
        return "BAD: exit status %d" % run.returncode
    # Error lines, not source lines quoted under a diagnostic.
    errors = [line for line in lines if re.match(r"(\S.*\b)?error: ", line)]
    if len(errors) != 1:
        return "BAD: %d error lines" % len(errors)
    # quant-opt's diagnostics still print the op after the message; the
    # import tools must say it all in one line.
    if target != "ir" and len(lines) != 1:
        return "BAD: %d lines on stderr" % len(lines)
    if os.path.exists(os.path.join(scratch, name, "out.mlir")):
        return "BAD: wrote out.mlir although it failed"
    return errors[0][errors[0].index("error:"):]


def open_crashes(target):
    """{name: "crash" or "accepted"} of `target`'s inputs in
    open-crashes.txt."""
    names = {}
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           "open-crashes.txt")) as f:
        for line in f:
            entry = line.split("#")[0].split()
            if entry and entry[0].startswith(target + "/"):
                if len(entry) != 2 or entry[1] not in ("crash", "accepted"):
                    sys.exit("open-crashes.txt: bad line: " + line.strip())
                names[entry[0][len(target) + 1:]] = entry[1]
    return names


def main():
    target, corpus, scratch = sys.argv[1:]
    scratch = os.path.abspath(scratch)
    shutil.rmtree(scratch, ignore_errors=True)
    os.makedirs(scratch)
    still_open = open_crashes(target)
    for name in sorted(os.listdir(corpus)):
        result = outcome(target, os.path.join(corpus, name), name, scratch)
        if name in still_open:
            wrong = (result.startswith("BAD") if still_open[name] == "crash"
                     else result == "ok")
            result = ("open" if wrong else
                      "BAD: fixed, remove it from open-crashes.txt (" +
                      result + ")")
        print("%s: %s" % (name, result), flush=True)
    for name in sorted(set(still_open) - set(os.listdir(corpus))):
        print("%s: BAD: listed in open-crashes.txt but not in %s" %
              (name, corpus))


if __name__ == "__main__":
    main()
