#!/usr/bin/env python3
"""Generate a sharded estate of non-human identities, as `nhi collect` per shard would leave it.

    python3 benches/generate_shards.py --accounts 200 --principals 5000 --out /tmp/nhi-shards

Writes one directory per AWS account (`aws-NNN/gaad.json` and `credential-report.csv`, made by
generate_estate.py with the account's own seed), plus, unless --aws-only:
- `k8s/cluster-N.json`: Kubernetes clusters from generate_cluster.py (--clusters, each with
  --cluster-service-accounts service accounts);
- `github/org-N.json` and `gitlab/group-N.json`: nhi inventories, the demo organization and group
  (fixtures/) copied under new names (--orgs of each);
- `ai/keys.json`: an nhi inventory of OpenAI and Anthropic keys (--ai-keys), a fifth of them
  without a use in a year, a tenth of admin keys.

200 accounts of 5,000 principals plus the defaults make 1,000,000 AWS principals and about
62,000 other identities. Deterministic for the same arguments. Shards already written are kept
(delete the directory to start again); two generators run at once.
"""
import argparse
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
REF = datetime(2026, 11, 1, tzinfo=timezone.utc)


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def aws_shard(out, i, principals):
    d = os.path.join(out, f"aws-{i:03d}")
    if os.path.exists(os.path.join(d, "credential-report.csv")):
        return
    account = f"{100000000000 + i:012d}"
    subprocess.run(
        [sys.executable, os.path.join(HERE, "generate_estate.py"), "--principals", str(principals),
         "--out", d, "--account", account, "--seed", str(1000 + i)],
        check=True, stdout=subprocess.DEVNULL)


def k8s_shard(out, i, service_accounts):
    d = os.path.join(out, "k8s")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, f"cluster-{i:02d}.json")
    if os.path.exists(path):
        return
    subprocess.run(
        [sys.executable, os.path.join(HERE, "generate_cluster.py"), "--service-accounts",
         str(service_accounts), "--pods", str(service_accounts * 3), "--bindings",
         str(service_accounts // 2), "--out", path],
        check=True, stdout=subprocess.DEVNULL)


def renamed(inventory, old, new):
    """The inventory with every occurrence of the owner's name replaced (ids, scopes, names)."""
    text = json.dumps(inventory).replace(old, new)
    return json.loads(text)


def copies(out, kind, fixture, old, n):
    d = os.path.join(out, kind)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(ROOT, fixture)) as f:
        base = json.load(f)
    for i in range(n):
        path = os.path.join(d, f"{kind}-{i:03d}.json")
        if not os.path.exists(path):
            with open(path, "w") as f:
                json.dump(renamed(base, old, f"{old}{i:03d}"), f)


def ai_keys(out, n, seed):
    d = os.path.join(out, "ai")
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, "keys.json")
    if os.path.exists(path):
        return
    r = random.Random(seed)
    identities = []
    sources = []
    for provider, org in (("openai", "org-bench"), ("anthropic", "bench-org")):
        sources.append({"connector": provider, "scope": org, "origin": f"bench:{provider}",
                        "kind": "api", "status": "ok", "identities": n // 2})
        for k in range(n // 2):
            admin = r.random() < 0.1
            kind = {"openai": "openai_admin_api_key" if admin else "openai_project_api_key",
                    "anthropic": "anthropic_api_key"}[provider]
            created = REF - timedelta(days=r.randrange(30, 900))
            used = None if r.random() < 0.2 else REF - timedelta(days=r.randrange(0, 400))
            key_id = f"key_{provider}_{k:06d}"
            identities.append({
                "id": key_id, "provider": provider, "kind": kind, "name": f"bench key {k}",
                "scope": org, "created_at": iso(created),
                "last_used": {"at": iso(used)} if used else "never",
                "owner": None, "tags": {}, "tags_known": False,
                "credentials": [{
                    "id": key_id, "kind": "openai_admin_key" if admin else f"{provider}_api_key",
                    "status": "active", "created_at": iso(created),
                    "last_used": {"at": iso(used)} if used else "never",
                    "expires": "never", "details": {}}],
                "permissions": [], "provider_managed": False,
                "native": {"type": "ai_key", "project_id": None if admin else f"proj_{k % 50}",
                           "project_name": None if admin else f"project {k % 50}",
                           "project_archived": False, "owner_type": "user",
                           "owner_id": f"user-{k % 300}", "owner_project_access": None,
                           "redacted_hint": None},
            })
    with open(path, "w") as f:
        json.dump({"schema_version": 2, "sources": sources, "identities": identities,
                   "policies": {}, "excluded": {}, "workloads": []}, f)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--accounts", type=int, default=200)
    ap.add_argument("--principals", type=int, default=5000, help="per account")
    ap.add_argument("--clusters", type=int, default=4)
    ap.add_argument("--cluster-service-accounts", type=int, default=10000)
    ap.add_argument("--orgs", type=int, default=100, help="GitHub organizations and GitLab groups")
    ap.add_argument("--ai-keys", type=int, default=10000)
    ap.add_argument("--aws-only", action="store_true")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    with ThreadPoolExecutor(max_workers=2) as pool:
        jobs = [pool.submit(aws_shard, a.out, i, a.principals) for i in range(a.accounts)]
        if not a.aws_only:
            jobs += [pool.submit(k8s_shard, a.out, i, a.cluster_service_accounts)
                     for i in range(a.clusters)]
        for j in jobs:
            j.result()
    if not a.aws_only:
        copies(a.out, "github", "fixtures/github/acme-inventory.json", "acme", a.orgs)
        copies(a.out, "gitlab", "fixtures/gitlab/acme-inventory.json", "acme", a.orgs)
        ai_keys(a.out, a.ai_keys, 7)
    total = 0
    for dirpath, _, files in os.walk(a.out):
        total += sum(os.path.getsize(os.path.join(dirpath, f)) for f in files)
    print(f"{a.accounts} accounts x {a.principals} principals"
          + ("" if a.aws_only else f", {a.clusters} clusters, {a.orgs} GitHub orgs and GitLab groups, {a.ai_keys} AI keys")
          + f" -> {a.out} ({total / 1e9:.1f} GB)")


if __name__ == "__main__":
    main()
