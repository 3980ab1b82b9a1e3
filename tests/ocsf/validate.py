#!/usr/bin/env python3
"""Validate OCSF Detection Findings, one JSON object per line on stdin (nhi scan --format ocsf).

Each line must parse as py-ocsf-models' DetectionFinding (pydantic, strict types) and hold no key
the model does not define (pydantic would ignore one silently: a misspelt field would pass), and
its class, type and schema version must agree. Prints one JSON summary on stdout and exits 1 when
any line is invalid.
"""

import importlib.metadata
import json
import sys

import py_ocsf_models
from py_ocsf_models.events.findings.detection_finding import DetectionFinding
from pydantic import BaseModel, ValidationError


def unknown_keys(model, data, path):
    """Keys of `data` that the model object `model` (parsed from it) does not define."""
    found = []
    if not isinstance(data, dict):
        return found
    fields = type(model).model_fields
    for key, value in data.items():
        where = f"{path}.{key}" if path else key
        if key not in fields:
            found.append(where)
            continue
        parsed = getattr(model, key)
        if isinstance(parsed, BaseModel):
            found += unknown_keys(parsed, value, where)
        elif isinstance(parsed, list) and isinstance(value, list):
            for n, (p, v) in enumerate(zip(parsed, value)):
                if isinstance(p, BaseModel):
                    found += unknown_keys(p, v, f"{where}[{n}]")
    return found


def check(line):
    """The problems of one line (empty when it is a valid Detection Finding)."""
    try:
        data = json.loads(line)
    except json.JSONDecodeError as e:
        return [f"not JSON: {e}"], None
    if not isinstance(data, dict):
        return ["not a JSON object"], None
    try:
        finding = DetectionFinding.model_validate_json(line, strict=True)
    except ValidationError as e:
        return [
            f"{'.'.join(str(p) for p in err['loc'])}: {err['msg']}" for err in e.errors()
        ], None
    problems = [f"{k}: not a DetectionFinding field" for k in unknown_keys(finding, data, "")]
    if finding.class_uid != 2004 or finding.category_uid != 2:
        problems.append(f"class {finding.class_uid}/category {finding.category_uid}, not 2004/2")
    if finding.type_uid != finding.class_uid * 100 + finding.activity_id:
        problems.append(f"type_uid {finding.type_uid} is not class_uid * 100 + activity_id")
    if finding.metadata.version != py_ocsf_models.OCSF_VERSION:
        problems.append(
            f"metadata.version {finding.metadata.version}, the models are OCSF {py_ocsf_models.OCSF_VERSION}"
        )
    return problems, finding.finding_info.uid


def main():
    summary = {
        "validator": "py-ocsf-models",
        "validator_version": importlib.metadata.version("py-ocsf-models"),
        "ocsf_version": py_ocsf_models.OCSF_VERSION,
        "objects": 0,
        "valid": 0,
        "invalid": [],
        "uids": [],
    }
    for n, line in enumerate(sys.stdin, start=1):
        if not line.strip():
            continue
        summary["objects"] += 1
        problems, uid = check(line)
        if problems:
            summary["invalid"].append({"line": n, "problems": problems})
        else:
            summary["valid"] += 1
            summary["uids"].append(uid)
    json.dump(summary, sys.stdout, indent=1)
    sys.stdout.write("\n")
    return 1 if summary["invalid"] else 0


if __name__ == "__main__":
    sys.exit(main())
