#!/usr/bin/env python3
"""Write nhi's AWS privilege-escalation catalog (paths.json).

Usage:
    python3 src/data/escalation/generate.py PATHFINDING_DIR src/data/escalation/paths.json [--check]

PATHFINDING_DIR is a copy of pathfinding.cloud's path catalog laid out as
paths/<service>/<id>.yaml, with SOURCES.tsv (id, ..., commit) beside it. The generator
joins every upstream YAML with this folder's mapping.toml (nhi's own description of each
path) and checks the result against the IAM action catalog in ../iam-actions
(actions.tsv, which already includes overlay.tsv). Any problem is printed with the path
id and the exit status is 1; nothing is written then. With --check the output file is
compared instead of written (exit 1 when it differs).

Needs Python 3.11+ (tomllib) and PyYAML.
"""

from __future__ import annotations

import argparse
import csv
import json
import sys
import tomllib
from pathlib import Path

try:
    import yaml
except ImportError:  # pragma: no cover
    sys.exit("error: PyYAML is required (pip install pyyaml)")

HERE = Path(__file__).resolve().parent
MAPPING = HERE / "mapping.toml"
ACTIONS = HERE.parent / "iam-actions" / "actions.tsv"
OVERLAY = HERE.parent / "iam-actions" / "overlay.tsv"

SOURCE = {
    "name": "pathfinding.cloud",
    "url": "https://pathfinding.cloud",
    "license": "Apache-2.0",
}
PATH_URL = "https://pathfinding.cloud/paths/{id}"

# The vocabulary the engine implements. Nothing else is accepted.
ON = {"any", "target", "self", "own_group", "own_policy", "target_policy"}
CATEGORIES = {
    "self-escalation",
    "principal-access",
    "new-passrole",
    "existing-passrole",
    "credential-access",
}
JUDGEMENTS = {"iam", "resources", "none"}
PRINCIPAL_TYPES = {"user", "role"}
USER_REQUIRES = {"keys_below_2", "no_login_profile", "has_login_profile"}
TRUST = {"existing", "rewritten"}
# kind -> (required fields, optional fields)
KINDS = {
    "self": ({"principal_types"}, set()),
    "group": (set(), set()),
    "user": ({"modify", "requires"}, set()),
    "role": ({"trust", "modify"}, set()),
    "passed_role": ({"services"}, {"instance_profile"}),
    "service_role": ({"services", "resource"}, {"instance_profile"}),
    "none": (set(), set()),
}
# Which `on` values make sense for which kind.
ON_FOR_KIND = {
    "self": {"any", "self", "own_group", "own_policy"},
    "group": {"any", "target"},
    "user": {"any", "target", "target_policy"},
    "role": {"any", "target", "target_policy"},
    "passed_role": {"any", "target"},
    "service_role": {"any", "target"},
    "none": ON,
}
MAPPING_KEYS_UPSTREAM = {
    "summary", "actions", "target", "judgement", "reason", "prerequisites", "covered",
}
MAPPING_KEYS_NHI = {
    "origin", "category", "summary", "actions", "target", "judgement", "reason",
    "prerequisites",
}


class Errors:
    def __init__(self) -> None:
        self.items: list[str] = []

    def add(self, pid: str, msg: str) -> None:
        self.items.append(f"{pid}: {msg}")

    def fail_if_any(self) -> None:
        if self.items:
            for item in self.items:
                print(f"error: {item}", file=sys.stderr)
            print(f"{len(self.items)} error(s); nothing written", file=sys.stderr)
            sys.exit(1)


def read_catalog(path: Path) -> dict[str, set[str]]:
    """prefix -> action names, from actions.tsv / overlay.tsv (prefix<TAB>Action:L,...)."""
    out: dict[str, set[str]] = {}
    if not path.exists():
        return out
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        prefix, _, body = line.partition("\t")
        out.setdefault(prefix, set()).update(
            item.partition(":")[0] for item in body.split(",") if item
        )
    return out


def load_upstream(root: Path, errors: Errors) -> dict[str, dict]:
    paths_dir = root / "paths"
    if not paths_dir.is_dir():
        sys.exit(f"error: {paths_dir} is not a directory")
    upstream: dict[str, dict] = {}
    for f in sorted(paths_dir.glob("*/*.yaml")):
        with f.open(encoding="utf-8") as fh:
            doc = yaml.safe_load(fh)
        pid = doc.get("id") if isinstance(doc, dict) else None
        if pid != f.stem:
            errors.add(f.stem, f"{f}: id {pid!r} does not match the file name")
            continue
        if pid in upstream:
            errors.add(pid, f"{f}: id appears twice upstream")
            continue
        upstream[pid] = doc
    if not upstream:
        sys.exit(f"error: no paths/<service>/<id>.yaml under {root}")
    return upstream


def load_commits(root: Path, ids: set[str]) -> list[str]:
    sources = root / "SOURCES.tsv"
    if not sources.exists():
        sys.exit(f"error: {sources} is missing (it names the upstream commit of each file)")
    commits: dict[str, str] = {}
    with sources.open(encoding="utf-8", newline="") as fh:
        for row in csv.DictReader(fh, delimiter="\t"):
            commits[row["id"]] = row["commit"]
    missing = sorted(ids - commits.keys())
    if missing:
        sys.exit(f"error: SOURCES.tsv has no row for: {', '.join(missing)}")
    return sorted({commits[i] for i in ids})


def upstream_prerequisites(doc: dict) -> list[str]:
    pre = doc.get("prerequisites")
    if pre is None:
        return []
    if isinstance(pre, dict):
        return list(pre.get("admin") or [])
    if isinstance(pre, list):  # legacy plain list
        return list(pre)
    raise ValueError(f"unexpected prerequisites of type {type(pre).__name__}")


def check_str_list(pid: str, key: str, value, errors: Errors) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(x, str) and x for x in value):
        errors.add(pid, f"`{key}` must be a list of non-empty strings")
        return []
    if len(set(value)) != len(value):
        errors.add(pid, f"`{key}` lists an entry twice")
    return value


def check_target(pid: str, target, errors: Errors) -> dict | None:
    if not isinstance(target, dict):
        errors.add(pid, "`target` must be a table")
        return None
    kind = target.get("kind")
    if kind not in KINDS:
        errors.add(pid, f"target.kind {kind!r} is not one of {sorted(KINDS)}")
        return None
    required, optional = KINDS[kind]
    fields = set(target) - {"kind"}
    for f in sorted(required - fields):
        errors.add(pid, f"target kind {kind!r} needs `{f}`")
    for f in sorted(fields - required - optional):
        errors.add(pid, f"target kind {kind!r} does not take `{f}`")

    out: dict = {"kind": kind}
    if kind == "self":
        types = check_str_list(pid, "target.principal_types", target.get("principal_types"), errors)
        bad = [t for t in types if t not in PRINCIPAL_TYPES]
        if bad or not types:
            errors.add(pid, f"target.principal_types must be a non-empty subset of {sorted(PRINCIPAL_TYPES)}, got {types}")
        out["principal_types"] = types
    elif kind == "user":
        if not isinstance(target.get("modify"), bool):
            errors.add(pid, "target.modify must be true or false")
        req = check_str_list(pid, "target.requires", target.get("requires"), errors) if "requires" in target else []
        bad = [r for r in req if r not in USER_REQUIRES]
        if bad:
            errors.add(pid, f"target.requires has {bad}, allowed: {sorted(USER_REQUIRES)}")
        if "no_login_profile" in req and "has_login_profile" in req:
            errors.add(pid, "target.requires has both no_login_profile and has_login_profile")
        out["modify"] = target.get("modify")
        out["requires"] = req
    elif kind == "role":
        if target.get("trust") not in TRUST:
            errors.add(pid, f"target.trust must be one of {sorted(TRUST)}, got {target.get('trust')!r}")
        if not isinstance(target.get("modify"), bool):
            errors.add(pid, "target.modify must be true or false")
        out["trust"] = target.get("trust")
        out["modify"] = target.get("modify")
    elif kind in ("passed_role", "service_role"):
        services = check_str_list(pid, "target.services", target.get("services"), errors)
        if not services:
            errors.add(pid, "target.services must name at least one service principal")
        for s in services:
            if not s.endswith(".amazonaws.com") or s != s.lower() or " " in s:
                errors.add(pid, f"target.services: {s!r} is not a service principal (x.amazonaws.com)")
        out["services"] = services
        if kind == "service_role":
            resource = target.get("resource")
            if not isinstance(resource, str) or not resource.strip():
                errors.add(pid, "target.resource must be a non-empty string")
            out["resource"] = resource
        if "instance_profile" in target:
            if target["instance_profile"] is not True:
                errors.add(pid, "target.instance_profile, when present, must be true")
            out["instance_profile"] = True
    return out


def build_path(pid: str, entry: dict, doc: dict | None, catalog: dict[str, set[str]],
               overlay: dict[str, set[str]], errors: Errors) -> dict | None:
    origin = entry.get("origin", "pathfinding.cloud")
    is_nhi = origin == "nhi"
    if origin not in ("pathfinding.cloud", "nhi"):
        errors.add(pid, f"origin {origin!r} must be \"nhi\" or absent")
        return None
    if is_nhi and not pid.startswith("nhi-"):
        errors.add(pid, "paths of origin \"nhi\" must have ids nhi-NNN")
    allowed = MAPPING_KEYS_NHI if is_nhi else MAPPING_KEYS_UPSTREAM
    for key in sorted(set(entry) - allowed):
        errors.add(pid, f"unknown mapping key `{key}`")

    # summary
    summary = entry.get("summary")
    if not isinstance(summary, str) or not summary.strip():
        errors.add(pid, "`summary` is required")
    elif not summary[0].islower() or summary.endswith("."):
        errors.add(pid, "`summary` must be a lowercase verb phrase without a final full stop")

    # actions
    raw_actions = entry.get("actions")
    ons: dict[str, str] = {}
    if not isinstance(raw_actions, list) or not raw_actions:
        errors.add(pid, "`actions` must be a non-empty list")
        raw_actions = []
    for item in raw_actions:
        if not isinstance(item, dict) or set(item) != {"action", "on"}:
            errors.add(pid, f"each action must be {{ action, on }}, got {item!r}")
            continue
        action, on = item["action"], item["on"]
        if on not in ON:
            errors.add(pid, f"{action}: on = {on!r} is not one of {sorted(ON)}")
        if action in ons:
            errors.add(pid, f"{action} is listed twice")
        ons[action] = on

    if is_nhi:
        required = list(ons)
        name = " + ".join(required)
        category = entry.get("category")
        parent = None
        url = None
    else:
        perms = (doc.get("permissions") or {}).get("required") or []
        required = [p["permission"] for p in perms]
        if len(set(required)) != len(required):
            errors.add(pid, "upstream permissions.required lists an action twice")
        if set(required) != set(ons):
            only_up = sorted(set(required) - set(ons))
            only_map = sorted(set(ons) - set(required))
            errors.add(pid, f"actions differ from upstream permissions.required: "
                            f"missing {only_up}, extra {only_map}")
        name = doc.get("name")
        category = doc.get("category")
        parent_obj = doc.get("parent")
        parent = parent_obj.get("id") if isinstance(parent_obj, dict) else None
        url = PATH_URL.format(id=pid)
    if category not in CATEGORIES:
        errors.add(pid, f"category {category!r} is not one of {sorted(CATEGORIES)}")

    # every action must be a known IAM action (exact case)
    for action in required:
        prefix, sep, act = action.partition(":")
        if not sep:
            errors.add(pid, f"{action!r} is not prefix:Action")
            continue
        if act in catalog.get(prefix, set()) or act in overlay.get(prefix, set()):
            continue
        near = sorted(a for a in catalog.get(prefix, set()) if a.lower() == act.lower())
        hint = f" (the catalog spells it {prefix}:{near[0]})" if near else ""
        errors.add(pid, f"{action} is not in the IAM action catalog or its overlay{hint}")

    # target
    target = check_target(pid, entry.get("target"), errors)
    if target:
        kind = target["kind"]
        for action, on in ons.items():
            if on in ON and on not in ON_FOR_KIND[kind]:
                errors.add(pid, f"{action}: on = {on!r} does not fit target kind {kind!r}")
        if kind == "passed_role" and ons.get("iam:PassRole") != "target":
            errors.add(pid, "a passed_role path needs iam:PassRole with on = \"target\"")
        if kind in ("group", "user", "role") and "target" not in ons.values() \
                and "target_policy" not in ons.values():
            errors.add(pid, f"a {kind} path needs an action on the target")

    # judgement and reason
    judgement = entry.get("judgement")
    reason = entry.get("reason")
    if judgement not in JUDGEMENTS:
        errors.add(pid, f"judgement {judgement!r} is not one of {sorted(JUDGEMENTS)}")
    if judgement == "iam":
        if reason is not None:
            errors.add(pid, "a path judged on IAM data takes no `reason`")
    elif not isinstance(reason, str) or not reason.strip():
        errors.add(pid, f"judgement {judgement!r} needs a `reason`")
    if target and target["kind"] == "service_role" and judgement != "resources":
        errors.add(pid, "a service_role path is judged \"resources\"")
    if target and target["kind"] == "none" and judgement != "none":
        errors.add(pid, "a target of kind \"none\" is judged \"none\"")

    # prerequisites
    kept = check_str_list(pid, "prerequisites", entry.get("prerequisites", []), errors)
    if not is_nhi:
        covered = check_str_list(pid, "covered", entry.get("covered", []), errors)
        try:
            upstream_pre = upstream_prerequisites(doc)
        except ValueError as exc:
            errors.add(pid, str(exc))
            upstream_pre = []
        for line in sorted(set(kept) & set(covered)):
            errors.add(pid, f"prerequisite is both kept and covered: {line!r}")
        unknown = [l for l in kept + covered if l not in upstream_pre]
        for line in unknown:
            errors.add(pid, f"prerequisite is not an upstream prerequisites.admin line: {line!r}")
        unaccounted = [l for l in upstream_pre if l not in kept and l not in covered]
        for line in unaccounted:
            errors.add(pid, f"upstream prerequisite is neither kept nor covered: {line!r}")
        # emit in upstream order
        kept = [l for l in upstream_pre if l in kept]

    return {
        "id": pid,
        "origin": origin,
        "name": name,
        "category": category,
        "summary": summary,
        "actions": [{"action": a, "on": ons.get(a)} for a in required],
        "target": target,
        "prerequisites": kept,
        "judgement": judgement,
        "reason": reason if judgement != "iam" else None,
        "parent": parent,
        "url": url,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("pathfinding_dir", type=Path)
    ap.add_argument("output", type=Path)
    ap.add_argument("--check", action="store_true",
                    help="compare with the existing output instead of writing it")
    args = ap.parse_args()

    errors = Errors()
    with MAPPING.open("rb") as fh:
        mapping = tomllib.load(fh)
    if not ACTIONS.exists():
        sys.exit(f"error: {ACTIONS} is missing; run ../iam-actions/generate.py first")
    catalog = read_catalog(ACTIONS)
    overlay = read_catalog(OVERLAY)
    upstream = load_upstream(args.pathfinding_dir, errors)

    for pid in sorted(upstream.keys() - mapping.keys()):
        errors.add(pid, "upstream path has no table in mapping.toml")
    for pid in sorted(mapping.keys() - upstream.keys()):
        if mapping[pid].get("origin") != "nhi":
            errors.add(pid, "mapping.toml table has no upstream path (and no origin = \"nhi\")")

    paths = []
    for pid in sorted(mapping):
        entry = mapping[pid]
        if not isinstance(entry, dict):
            errors.add(pid, "mapping entry must be a table")
            continue
        if entry.get("origin") == "nhi" and pid in upstream:
            errors.add(pid, "origin = \"nhi\" but the id exists upstream")
            continue
        if entry.get("origin") != "nhi" and pid not in upstream:
            continue  # reported above
        built = build_path(pid, entry, upstream.get(pid), catalog, overlay, errors)
        if built:
            paths.append(built)

    # parents must resolve
    ids = {p["id"] for p in paths}
    for p in paths:
        if p["parent"] is not None and p["parent"] not in ids:
            errors.add(p["id"], f"parent {p['parent']!r} is not a path in the catalog")
    errors.fail_if_any()

    commits = load_commits(args.pathfinding_dir, set(upstream))
    doc = {"source": dict(SOURCE, commits=commits), "paths": sorted(paths, key=lambda p: p["id"])}
    text = json.dumps(doc, indent=2, ensure_ascii=False) + "\n"

    if args.check:
        current = args.output.read_text(encoding="utf-8") if args.output.exists() else ""
        if current != text:
            print(f"error: {args.output} is out of date; run without --check", file=sys.stderr)
            sys.exit(1)
        print(f"{args.output}: up to date")
    else:
        args.output.write_text(text, encoding="utf-8")

    by_cat: dict[str, int] = {}
    by_judgement: dict[str, int] = {}
    for p in paths:
        by_cat[p["category"]] = by_cat.get(p["category"], 0) + 1
        by_judgement[p["judgement"]] = by_judgement.get(p["judgement"], 0) + 1
    print(f"{args.output}: {len(paths)} paths "
          f"({sum(1 for p in paths if p['origin'] != 'nhi')} upstream, "
          f"{sum(1 for p in paths if p['origin'] == 'nhi')} nhi)")
    print("  by category: " + ", ".join(f"{k} {v}" for k, v in sorted(by_cat.items())))
    print("  by judgement: " + ", ".join(f"{k} {v}" for k, v in sorted(by_judgement.items())))


if __name__ == "__main__":
    main()
