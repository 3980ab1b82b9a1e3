"""Validate an nhi inventory (stdin) against a JSON Schema (argv[1]); print every error.

Used by the integration tests: every inventory nhi writes must follow docs/inventory.schema.json,
the contract third-party connectors are written against.
"""

import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1], encoding="utf-8"))
jsonschema.Draft202012Validator.check_schema(schema)
document = json.load(sys.stdin)
errors = sorted(
    jsonschema.Draft202012Validator(schema).iter_errors(document),
    key=lambda e: list(map(str, e.absolute_path)),
)
for e in errors[:20]:
    path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in e.absolute_path)
    print(f"{path or '.'}: {e.message[:300]}")
sys.exit(1 if errors else 0)
