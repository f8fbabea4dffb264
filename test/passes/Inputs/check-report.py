#!/usr/bin/env python3
"""Checks the --llmq-report HTML page as a browser rendered it (the DOM that
`chromium --headless --dump-dom` prints) against the annotated IR, without
llmq: every chart has exactly one mark per layer (num_layers of the IR) or
per tensor (the IR's weights that have the value), with a title and both
axis labels, and every mark's value equals what the IR (or the imatrix
file, read here with struct) says.

    check-report.py DOM.html IR.mlir [IMATRIX.gguf] [--page REPORT.html]
                    [--json REPORT.json] [--compare OTHER.mlir]

--page also checks that the page as written is self-contained: no script,
no link, no src, no URL but the SVG namespace. --json checks every number
of the JSON report against the IR the same way (totals and the per-family
magnitude histograms included). --compare checks the side-by-side section
against this IR and the other plan's IR. Prints one line per chart
and per "not computed" note; exits 1 at the first mismatch.
"""
import html.parser
import importlib.util
import json
import math
import os
import re
import sys

# Storage bits per weight of each format (block bytes * 8 / block elements).
BITS = {"f32": 32, "f16": 16, "bf16": 16, "q8_0": 8.5, "q4_0": 4.5,
        "q4_1": 5.0, "q5_0": 5.5, "q5_1": 6.0, "q2_K": 2.625, "q3_K": 3.4375,
        "q4_K": 4.5, "q5_K": 5.5, "q6_K": 6.5625, "iq4_nl": 4.5,
        "iq4_xs": 4.25}
NUM = r"(-?[0-9.]+(?:[eE][-+]?[0-9]+)?)"
# dialects/Llmq/MagnitudeHistogram.h: bin 0 zeros, bin k octave LOWEST + k - 1.
LOWEST_OCTAVE, HIGHEST_OCTAVE = -32, 15
BINS = 1 + HIGHEST_OCTAVE - LOWEST_OCTAVE + 1


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


def parse_ir(path):
    text = open(path).read()
    model = {"layers": int(re.search(r"num_layers = (\d+) : i64", text).group(1))}
    weights = {}
    for m in re.finditer(r"llmq\.weight @\"?([\w.]+)\"? : tensor<([^>]*)> \{(.*)\}\s*$",
                         text, re.M):
        name, type_, attrs = m.groups()
        dims = type_.split("x")
        shape, element = [int(d) for d in dims[:-1]], dims[-1]
        fmt = re.search(r"format = #llmq\.format<(\w+)>", attrs)
        w = {"shape": shape, "elements": math.prod(shape),
             "format": fmt.group(1) if fmt else element}
        for key in ("quant_error", "rms", "max_abs", "kurtosis", "outliers"):
            v = re.search(r"\b" + key + " = " + NUM, attrs)
            if v:
                w[key] = float(v.group(1))
        h = re.search(r"log2_histogram = array<i64: ([-0-9, ]*)>", attrs)
        if h:
            w["histogram"] = [int(x) for x in h.group(1).split(",")]
            if len(w["histogram"]) != BINS:
                fail("%s: log2_histogram has %d bins" % (name, len(w["histogram"])))
        weights[name] = w
    blocks = {}
    for m in re.finditer(r"llmq\.block (\d+) weights \{([^}]*)\}(.*)$", text, re.M):
        index, refs, rest = int(m.group(1)), m.group(2), m.group(3)
        b = {"weights": re.findall(r"= @\"?([\w.]+)\"?", refs)}
        v = re.search(r"\binfluence = " + NUM, rest)
        if v:
            b["influence"] = float(v.group(1))
        blocks[index] = b
    model["weights"], model["blocks"] = weights, blocks
    s = re.search(r"llmq\.super_weights = \[((?:#llmq\.super_weight<[^>]*>(?:, )?)*)\]", text)
    if s:
        # Entries are #llmq.super_weight<weight = @w, row, col, value>; a
        # weight outside the blocks (the embedding) belongs to no layer.
        layer_of = {w: i for i, b in blocks.items() for w in b["weights"]}
        names = re.findall(r"weight = @\"?([\w.]+)\"?,", s.group(1))
        model["super_layers"] = [layer_of.get(n, -1) for n in names]
    return model


def read_imatrix(path):
    here = os.path.dirname(os.path.abspath(__file__))
    spec = importlib.util.spec_from_file_location(
        "check_imatrix", os.path.join(here, "check-imatrix.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    _, _, tensors = module.read_gguf(path)
    result = {}  # weight symbol -> (sum of in_sum2 / count, channels)
    for name, (ne, sum2) in tensors.items():
        if not name.endswith(".in_sum2"):
            continue
        base = name[:-len(".in_sum2")]
        counts = tensors[base + ".counts"][1]
        cols = ne[0]
        total = sum(sum2[m * cols + c] / counts[m] if counts[m] > 0 else 0.0
                    for m in range(len(counts)) for c in range(cols))
        symbol = base[:-len(".weight")] if base.endswith(".weight") else base
        result[symbol] = (total, cols * len(counts))
    return result


class Dom(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.title, self.models, self.chart, self.capture = None, [], None, None
        self.in_head = False
        self.compare, self.row, self.cells, self.row_kind = None, None, [], None

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        classes = (a.get("class") or "").split()
        if tag == "head":
            self.in_head = True
        elif tag == "title" and self.in_head:
            self.capture, self.title = "title", ""
        elif tag == "section" and "compare" in classes:
            self.compare = {"a": a["data-a"], "b": a["data-b"], "charts": [],
                            "notes": [], "rows": {}, "tensors": {}, "same": None}
            self.models.append(self.compare)
        elif tag == "tr" and self.compare is not None and self.models[-1] is self.compare:
            self.row = a.get("data-row") or a.get("data-tensor")
            self.row_kind = "rows" if a.get("data-row") else "tensors"
            self.cells = []
        elif tag == "td" and self.row is not None:
            self.capture = "cell"
            self.cells.append("")
        elif tag == "p" and "compare-same" in classes:
            self.compare["same"] = int(a["data-same"])
        elif tag == "section" and "model" in classes:
            self.models.append({"name": a["data-model"], "layers": int(a["data-layers"]),
                                "charts": [], "notes": []})
        elif tag == "svg" and "chart" in classes:
            self.chart = {"key": a["data-chart"], "per": a["data-per"],
                          "count": int(a["data-count"]), "marks": [],
                          "title": "", "axes": {}}
            self.models[-1]["charts"].append(self.chart)
        elif tag == "rect" and "mark" in classes and self.chart is not None:
            self.chart["marks"].append((a.get("data-" + self.chart["per"]),
                                        a.get("data-value"), a.get("data-series")))
        elif tag == "text" and self.chart is not None and "chart-title" in classes:
            self.capture = "chart-title"
        elif tag == "text" and self.chart is not None and "axis-label" in classes:
            self.capture = "axis-" + a.get("data-axis", "?")
            self.chart["axes"][self.capture] = ""
        elif tag == "p" and "not-computed" in classes:
            self.capture = "note"
            self.models[-1]["notes"].append([a.get("data-chart") or a.get("data-table"), ""])

    def handle_endtag(self, tag):
        if tag == "head":
            self.in_head = False
        if tag == "svg":
            self.chart = None
        if tag == "tr" and self.row is not None:
            # A tensor row's first cell is its name.
            cells = self.cells[1:] if self.row_kind == "tensors" else self.cells
            self.compare[self.row_kind][self.row] = cells
            self.row = None
        if tag == "td" and self.capture == "cell":
            self.capture = None
        if tag in ("title", "text", "p"):
            self.capture = None

    def handle_data(self, data):
        if self.capture == "title":
            self.title += data
        elif self.capture == "cell":
            self.cells[-1] += data
        elif self.capture == "chart-title":
            self.chart["title"] += data
        elif self.capture and self.capture.startswith("axis-"):
            self.chart["axes"][self.capture] += data
        elif self.capture == "note":
            self.models[-1]["notes"][-1][1] += data


def close(a, b):
    return abs(a - b) <= 1e-7 * max(abs(a), abs(b)) + 1e-12


def expected_layer_values(key, model, imatrix):
    weights, blocks = model["weights"], model["blocks"]
    result = {}
    for index, b in blocks.items():
        ws = [weights[n] for n in b["weights"]]
        mats = [w for w in ws if len(w["shape"]) >= 2]
        if key == "layer-influence":
            result[index] = b.get("influence")
        elif key == "layer-bits":
            total = sum(w["elements"] for w in ws)
            result[index] = sum(BITS[w["format"]] * w["elements"] for w in ws) / total
        elif key == "layer-error":
            errors = [w["quant_error"] for w in ws if "quant_error" in w]
            result[index] = sum(errors) if errors else None
        elif key == "layer-kurtosis":
            result[index] = max((w["kurtosis"] for w in mats if "kurtosis" in w), default=None)
        elif key == "layer-outliers":
            result[index] = max((w["outliers"] for w in mats if "outliers" in w), default=None)
        elif key == "layer-super-weights":
            if "super_layers" not in model:
                return None
            result[index] = model.get("super_layers", []).count(index)
        elif key == "layer-importance":
            if imatrix is None:
                return None
            parts = [imatrix[n] for n in b["weights"] if n in imatrix]
            result[index] = sum(p[0] for p in parts) / sum(p[1] for p in parts)
        else:
            fail("unknown per-layer chart '%s'" % key)
    return result


def expected_tensor_values(key, model, imatrix):
    result = {}
    for name, w in model["weights"].items():
        if key == "tensor-bits":
            # The chart leaves out norms and other vectors.
            if len(w["shape"]) >= 2:
                result[name] = BITS[w["format"]]
        elif key == "tensor-bits-all":
            result[name] = BITS[w["format"]]
        elif key == "tensor-importance":
            if imatrix is None:
                return None
            if name in imatrix:
                total, channels = imatrix[name]
                result[name] = total / channels
        else:
            field = {"tensor-error": "quant_error", "tensor-rms": "rms",
                     "tensor-max-abs": "max_abs", "tensor-kurtosis": "kurtosis",
                     "tensor-outliers": "outliers"}.get(key)
            if field is None:
                fail("unknown per-tensor chart '%s'" % key)
            if field in w:
                result[name] = w[field]
    return result


def family(name):
    m = re.match(r"blk\.\d+\.(.+)$", name)
    return m.group(1) if m else name


def family_histograms(model):
    """Sums of the IR's histograms per family, in first-seen order."""
    families = {}
    for name, w in model["weights"].items():
        if "histogram" in w:
            counts = families.setdefault(family(name), [0] * BINS)
            for i, n in enumerate(w["histogram"]):
                counts[i] += n
    return families


def expected_histogram(key, model):
    families = family_histograms(model)
    name = key[len("histogram-"):]
    if name not in families:
        fail("chart '%s': no tensor family '%s' in the IR" % (key, name))
    nonzero = [i for c in families.values() for i in range(1, BINS) if c[i]]
    zeros = any(c[0] for c in families.values())
    counts = families[name]
    want = {"zero": counts[0]} if zeros else {}
    for i in range(min(nonzero), max(nonzero) + 1):
        want[str(LOWEST_OCTAVE + i - 1)] = counts[i]
    return want


def check_chart(chart, model, imatrix):
    key, per, marks = chart["key"], chart["per"], chart["marks"]
    if per == "octave":
        want = expected_histogram(key, model)
        got = {m[0]: float(m[1]) for m in marks}
        if chart["count"] != len(marks) or list(got) != list(want):
            fail("chart '%s': marks for octaves %s, expected %s" % (key, list(got), list(want)))
        for octave, n in want.items():
            if got[octave] != n:
                fail("chart '%s', octave %s: mark %r, expected %d" % (key, octave, got[octave], n))
        print("chart %s: %d marks, one per octave, %d weights, values match"
              % (key, len(marks), sum(want.values())))
        return
    if not chart["title"].strip():
        fail("chart '%s' has no title" % key)
    if not chart["axes"].get("axis-x", "").strip() or not chart["axes"].get("axis-y", "").strip():
        fail("chart '%s' lacks an axis label" % key)
    if chart["count"] != len(marks):
        fail("chart '%s' says %d items, has %d marks" % (key, chart["count"], len(marks)))
    ids = [m[0] for m in marks]
    if len(set(ids)) != len(ids):
        fail("chart '%s' has two marks for one %s" % (key, per))
    if per == "layer":
        want = expected_layer_values(key, model, imatrix)
        if sorted(int(i) for i in ids) != list(range(model["layers"])):
            fail("chart '%s': marks for layers %s, not 0..%d" % (key, ids, model["layers"] - 1))
        got = {int(i): v for i, v, _ in marks}
    else:
        want = expected_tensor_values(key, model, imatrix)
        expect_ids = set(model["weights"]) if want is None else set(want)
        if set(ids) != expect_ids:
            fail("chart '%s': marks for %s, expected %s" % (key, sorted(set(ids) ^ expect_ids), per))
        got = {i: v for i, v, _ in marks}
    checked = "values not checked"
    if want is not None:
        for item, value in want.items():
            if value is None or got[item] == "" or not close(float(got[item]), value):
                fail("chart '%s', %s %s: mark %r, expected %r" % (key, per, item, got[item], value))
        checked = "values match"
    print("chart %s: %d marks, one per %s, %s" % (key, len(marks), per, checked))


def check_page(path):
    text = open(path).read()
    for bad in ("<script", "<link", " src=", "<iframe", "<img", "url("):
        if bad in text.lower():
            fail("page is not self-contained: it holds '%s'" % bad)
    urls = set(re.findall(r"https?://[^\"' )<>]+", text))
    if urls - {"http://www.w3.org/2000/svg"}:
        fail("page refers to %s" % sorted(urls))
    print("page: self-contained")


LAYER_FIELDS = {"influence": "layer-influence", "importance": "layer-importance",
                "bits": "layer-bits", "quant_error": "layer-error",
                "max_kurtosis": "layer-kurtosis", "max_outliers": "layer-outliers",
                "super_weights": "layer-super-weights"}
TENSOR_FIELDS = {"bits": "tensor-bits-all", "quant_error": "tensor-error",
                 "importance": "tensor-importance", "rms": "tensor-rms",
                 "max_abs": "tensor-max-abs", "kurtosis": "tensor-kurtosis",
                 "outliers": "tensor-outliers"}


def check_json(path, model, imatrix):
    report = json.load(open(path))
    if report["num_layers"] != model["layers"] or len(report["layers"]) != model["layers"]:
        fail("JSON: %d layers, the IR %d" % (len(report["layers"]), model["layers"]))
    if [t["name"] for t in report["tensors"]] != list(model["weights"]):
        fail("JSON: the tensors are not the IR's weights in order")
    checked = 0
    for fields, items, expect in (
            (LAYER_FIELDS, {l["layer"]: l for l in report["layers"]}, expected_layer_values),
            (TENSOR_FIELDS, {t["name"]: t for t in report["tensors"]}, expected_tensor_values)):
        for field, key in fields.items():
            want = expect(key, model, imatrix)
            present = {i: o[field] for i, o in items.items() if field in o}
            if want is None:
                continue
            want = {i: v for i, v in want.items() if v is not None}
            if set(present) != set(want):
                fail("JSON: '%s' given for %s, expected for %s" % (field, sorted(present), sorted(want)))
            for i, v in want.items():
                if not close(present[i], v):
                    fail("JSON: '%s' of %s is %r, expected %r" % (field, i, present[i], v))
                checked += 1
    elements = sum(w["elements"] for w in model["weights"].values())
    bits = sum(BITS[w["format"]] * w["elements"] for w in model["weights"].values())
    if report["total_bytes"] != round(bits / 8) or not close(report["bits_per_weight"], bits / elements):
        fail("JSON: totals %r bytes, %r bpw, expected %r, %r" % (
            report["total_bytes"], report["bits_per_weight"], round(bits / 8), bits / elements))
    checked += 2
    families = family_histograms(model)
    if families:
        h = report["weight_histograms"]
        if (h["lowest_octave"], h["highest_octave"]) != (LOWEST_OCTAVE, HIGHEST_OCTAVE):
            fail("JSON: histogram octaves %r" % h)
        got = {f["family"]: f["counts"] for f in h["families"]}
        if got != families or [f["family"] for f in h["families"]] != list(families):
            fail("JSON: weight_histograms differ from the IR's sums per family")
        checked += sum(len(c) for c in families.values())
    print("json: %d values match the IR" % checked)


def totals(model):
    elements = sum(w["elements"] for w in model["weights"].values())
    bits = sum(BITS[w["format"]] * w["elements"] for w in model["weights"].values())
    return round(bits / 8), bits / elements


def check_compare(compare, model, other):
    """The side-by-side section against both IRs."""
    if compare is None:
        fail("no side-by-side section")
    (bytes_a, bpw_a), (bytes_b, bpw_b) = totals(model), totals(other)
    rows = compare["rows"]
    if rows["bytes"] != [str(bytes_a), str(bytes_b)]:
        fail("compare: bytes %r, expected %r" % (rows["bytes"], [bytes_a, bytes_b]))
    # Shown with 4 significant digits.
    if not all(abs(float(x) - y) <= 5e-4 * y for x, y in zip(rows["bpw"], (bpw_a, bpw_b))):
        fail("compare: bits per weight %r, expected %r" % (rows["bpw"], (bpw_a, bpw_b)))
    charts = compare["charts"]
    if [c["key"] for c in charts] != ["compare-layer-bits"]:
        fail("compare: charts %r" % [c["key"] for c in charts])
    want_a = expected_layer_values("layer-bits", model, None)
    want_b = expected_layer_values("layer-bits", other, None)
    marks = charts[0]["marks"]
    if len(marks) != 2 * max(model["layers"], other["layers"]):
        fail("compare: %d marks for %d + %d layers" % (len(marks), model["layers"], other["layers"]))
    for layer, value, series in marks:
        want = (want_a if series == "this" else want_b).get(int(layer))
        if want is None or not close(float(value), want):
            fail("compare: layer %s (%s) mark %r, expected %r" % (layer, series, value, want))
    differ = {n: [w["format"], other["weights"][n]["format"] if n in other["weights"] else "-"]
              for n, w in model["weights"].items()
              if n not in other["weights"] or other["weights"][n]["format"] != w["format"]}
    differ.update({n: ["-", w["format"]] for n, w in other["weights"].items() if n not in model["weights"]})
    if compare["tensors"] != differ:
        fail("compare: tensors listed %r, expected %r" % (compare["tensors"], differ))
    if compare["same"] != len(model["weights"]) - len([n for n in differ if n in model["weights"]]):
        fail("compare: %r tensors said alike" % compare["same"])
    print("compare %s vs %s: totals match, %d layer-bits marks match, %d tensors differ in format, %d alike"
          % (compare["a"], compare["b"], len(marks), len(differ), compare["same"]))


def main():
    args = sys.argv[1:]
    options = {}
    for flag in ("--page", "--json", "--compare"):
        if flag in args:
            i = args.index(flag)
            options[flag] = args[i + 1]
            del args[i:i + 2]
    page = options.get("--page")
    dom_path, ir_path = args[:2]
    imatrix = read_imatrix(args[2]) if len(args) > 2 else None
    model = parse_ir(ir_path)
    dom = Dom()
    dom.feed(open(dom_path).read())
    if not dom.title or not dom.title.startswith("llmq report"):
        fail("the rendered DOM has no page title")
    print("title: " + dom.title)
    if page:
        check_page(page)
    if "--json" in options:
        check_json(options["--json"], model, imatrix)
    if "--compare" in options:
        check_compare(dom.compare, model, parse_ir(options["--compare"]))
    sections = [m for m in dom.models if m is not dom.compare]
    if len(sections) != 1:
        fail("expected one model section, found %d" % len(sections))
    section = sections[0]
    if section["layers"] != model["layers"]:
        fail("section says %d layers, the IR %d" % (section["layers"], model["layers"]))
    print("model %s: %d layers, %d tensors" % (section["name"], model["layers"], len(model["weights"])))
    for chart in section["charts"]:
        check_chart(chart, model, imatrix)
    for key, text in section["notes"]:
        print("%s: %s" % (key, " ".join(text.split())))


if __name__ == "__main__":
    main()
