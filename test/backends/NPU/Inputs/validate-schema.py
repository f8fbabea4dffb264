#!/usr/bin/env python3
"""Validates JSON documents against a JSON Schema (draft 2020-12 subset).

Supported keywords: type, required, properties, additionalProperties
(boolean or schema), items, enum, const, minimum, $ref to "#/$defs/NAME";
$schema, $id, $defs, title and description are annotations. Any other
keyword is an error in the schema, so the schema cannot silently rely on
something this validator ignores. Standard library only.

usage: validate-schema.py SCHEMA DOCUMENT...
Prints one line per violation (document: JSON pointer: problem) and exits 1
if there is any.
"""
import json
import sys

ANNOTATIONS = {"$schema", "$id", "$defs", "title", "description"}
KEYWORDS = {"type", "required", "properties", "additionalProperties", "items",
            "enum", "const", "minimum", "$ref"} | ANNOTATIONS


def type_ok(value, name):
    # JSON has no separate boolean-integer relation: True is not 1.
    if name == "null":
        return value is None
    if name == "boolean":
        return isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "string":
        return isinstance(value, str)
    if name == "array":
        return isinstance(value, list)
    if name == "object":
        return isinstance(value, dict)
    raise ValueError("unknown type '%s' in the schema" % name)


def same(a, b):
    # const/enum compare JSON values: 1 and true differ, 1 and 1.0 agree.
    if isinstance(a, bool) or isinstance(b, bool):
        return isinstance(a, bool) and isinstance(b, bool) and a == b
    return a == b


class Validator:
    def __init__(self, root):
        self.root = root
        self.errors = []

    def resolve(self, ref):
        prefix = "#/$defs/"
        if not ref.startswith(prefix) or ref[len(prefix):] not in self.root.get("$defs", {}):
            raise ValueError("unsupported or dangling $ref '%s'" % ref)
        return self.root["$defs"][ref[len(prefix):]]

    def fail(self, path, message):
        self.errors.append("%s: %s" % (path or "/", message))

    def check(self, schema, value, path):
        unknown = set(schema) - KEYWORDS
        if unknown:
            raise ValueError("schema at %s uses unsupported keywords %s"
                             % (path or "/", sorted(unknown)))
        if "$ref" in schema:
            self.check(self.resolve(schema["$ref"]), value, path)
        if "type" in schema:
            names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
            if not any(type_ok(value, n) for n in names):
                self.fail(path, "%s is not of type %s" % (json.dumps(value)[:60], " or ".join(names)))
                return
        if "const" in schema and not same(value, schema["const"]):
            self.fail(path, "%s is not %s" % (json.dumps(value)[:60], json.dumps(schema["const"])))
        if "enum" in schema and not any(same(value, e) for e in schema["enum"]):
            self.fail(path, "%s is not one of %s" % (json.dumps(value)[:60], json.dumps(schema["enum"])))
        if "minimum" in schema and type_ok(value, "number") and value < schema["minimum"]:
            self.fail(path, "%s is less than the minimum %s" % (value, schema["minimum"]))
        if isinstance(value, dict):
            props = schema.get("properties", {})
            for key in schema.get("required", []):
                if key not in value:
                    self.fail(path, "required key '%s' is missing" % key)
            extra = schema.get("additionalProperties", True)
            for key, item in value.items():
                sub = path + "/" + key
                if key in props:
                    self.check(props[key], item, sub)
                elif extra is False:
                    self.fail(sub, "key '%s' is not allowed" % key)
                elif isinstance(extra, dict):
                    self.check(extra, item, sub)
        if isinstance(value, list) and "items" in schema:
            for i, item in enumerate(value):
                self.check(schema["items"], item, "%s/%d" % (path, i))


def main(argv):
    if len(argv) < 3:
        sys.stderr.write(__doc__)
        return 2
    with open(argv[1]) as f:
        schema = json.load(f)
    failed = False
    for name in argv[2:]:
        with open(name) as f:
            document = json.load(f)
        v = Validator(schema)
        v.check(schema, document, "")
        for e in v.errors:
            print("%s: %s" % (name, e))
        failed |= bool(v.errors)
        if not v.errors:
            print("%s: valid" % name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
