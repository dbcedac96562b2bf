#!/usr/bin/env python3
"""Checks TokenCert's JSON documents against docs/schemas/ with python3-jsonschema (an independent
validator) and against the one rule of two-language text: every text for people is exactly
{"en": …, "zh-TW": …}. Any other shape ({"english", "traditionalChinese"}, a "…ZhTW" key, "local.en"
keys, an object with "en" but no "zh-TW") is a failure even where a schema would let it through.

  check_json.py SCHEMA < document.json        one document
  check_json.py --lines < documents.jsonl     one {"schema": NAME, "document": …, "where": …} per line

Prints one line per problem and exits 1 when there is any. The browser test imports `problems`.
"""
import json, os, sys

import jsonschema

SCHEMAS = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "docs", "schemas"))
SUFFIX = ".schema.json"
TEXT_KEYS = {"en", "zh-TW"}
FOREIGN_TEXT_KEYS = {"english", "traditionalChinese", "zhTW", "zh_TW", "zh", "zh-Hant"}

_store = None


def store():
    global _store
    if _store is None:
        _store = {}
        for name in sorted(os.listdir(SCHEMAS)):
            if name.endswith(SUFFIX):
                with open(os.path.join(SCHEMAS, name), encoding="utf-8") as f:
                    _store[name[:-len(SUFFIX)]] = json.load(f)
    return _store


def validator(name):
    schemas = store()
    schema = schemas[name]
    cls = jsonschema.validators.validator_for(schema)
    try:  # jsonschema >= 4.18
        from referencing import Registry, Resource
        registry = Registry().with_resources([(s["$id"], Resource.from_contents(s)) for s in schemas.values()])
        return cls(schema, registry=registry, format_checker=jsonschema.FormatChecker())
    except (ImportError, TypeError):  # Debian 12's 4.10: no registries yet
        resolver = jsonschema.RefResolver.from_schema(schema, store={s["$id"]: s for s in schemas.values()})
        return cls(schema, resolver=resolver, format_checker=jsonschema.FormatChecker())


def text_shape(doc, path="$"):
    """Places where two-language text has another shape than {"en", "zh-TW"}."""
    out = []
    if isinstance(doc, dict):
        keys = set(doc)
        for k in sorted(keys):
            if k in FOREIGN_TEXT_KEYS or k.endswith("ZhTW") or k.endswith(".en") or k.endswith(".zh-TW"):
                out.append('%s.%s: two-language text in another shape (write {"en": …, "zh-TW": …})' % (path, k))
        if keys & TEXT_KEYS and keys != TEXT_KEYS:
            out.append("%s: a text has exactly en and zh-TW, this object has %s" % (path, sorted(keys)))
        for k, v in doc.items():
            out += text_shape(v, "%s.%s" % (path, k))
    elif isinstance(doc, list):
        for i, v in enumerate(doc):
            out += text_shape(v, "%s[%d]" % (path, i))
    return out


def problems(name, document, where=""):
    """Every problem of one document (parsed JSON) against schema NAME, as lines."""
    label = name + (" " + where if where else "")
    if name not in store():
        return ["%s: no schema docs/schemas/%s%s" % (label, name, SUFFIX)]
    out = ["%s: %s at %s" % (label, e.message, "/".join(str(p) for p in e.absolute_path) or "$")
           for e in validator(name).iter_errors(document)]
    out += ["%s: %s" % (label, p) for p in text_shape(document)]
    return out


def main():
    found = []
    if sys.argv[1:] == ["--lines"]:
        for line in sys.stdin:
            if line.strip():
                item = json.loads(line)
                found += problems(item["schema"], item["document"], item.get("where", ""))
    elif len(sys.argv) == 2:
        found = problems(sys.argv[1], json.loads(sys.stdin.read()))
    else:
        print(__doc__, file=sys.stderr)
        return 64
    for p in found:
        print(p)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
