#!/usr/bin/env python3
"""Generate a large synthetic AWS estate for benchmarking `nhi scan --from`.

    python3 benches/generate_estate.py --principals 50000 --out /tmp/nhi-estate

Writes gaad.json (the `aws` CLI's pretty-printed form, ~2.2 KB per principal, so ~110 MB for
50,000) and credential-report.csv. Deterministic for a given --seed. The mix mirrors a large
account: 40% users (most with keys), 60% roles; each principal has 1-3 inline policies (some
shared text, some unique), 1-3 attached managed policies from a pool, users in 0-3 groups.
"""
import argparse
import csv
import json
import os
import random
from datetime import datetime, timedelta, timezone

REF = datetime(2026, 11, 1, tzinfo=timezone.utc)
SERVICES = ["s3", "dynamodb", "sqs", "sns", "lambda", "logs", "kms", "ec2", "ecr", "ssm", "secretsmanager", "iam", "sts"]
VERBS = ["Get", "Put", "List", "Describe", "Create", "Delete", "Update", "Invoke", "Pass", "Attach"]


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%S+00:00")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--principals", type=int, default=50000)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--account", default="123456789012")
    a = ap.parse_args()
    r = random.Random(a.seed)
    acct = a.account

    def ago(days):
        return REF - timedelta(days=days, seconds=r.randrange(86400))

    def statement():
        svc = r.choice(SERVICES)
        if r.random() < 0.05:
            actions = f"{svc}:*"
        else:
            actions = [f"{svc}:{r.choice(VERBS)}{r.choice(['Object', 'Item', 'Role', 'Function', 'Queue', 'Key', 'Parameter', 'Secret', ''])}" for _ in range(r.randint(1, 4))]
        res = "*" if r.random() < 0.3 else [f"arn:aws:{svc}:eu-west-1:{acct}:{r.choice(['table', 'queue', 'function', 'key'])}/app-{r.randrange(5000)}" for _ in range(r.randint(1, 3))]
        s = {"Effect": "Allow" if r.random() < 0.95 else "Deny", "Action": actions, "Resource": res}
        if r.random() < 0.1:
            s["Condition"] = {"StringEquals": {"aws:RequestedRegion": "eu-west-1"}}
        return s

    def document(n=None):
        return {"Version": "2012-10-17", "Statement": [statement() for _ in range(n or r.randint(1, 3))]}

    shared_docs = [document() for _ in range(300)]
    pool = []
    policies = []
    for i in range(600):
        arn = f"arn:aws:iam::{acct}:policy/managed-{i}"
        versions = [{"Document": document(), "VersionId": f"v{v + 1}", "IsDefaultVersion": v == 1, "CreateDate": iso(ago(900))} for v in range(2)]
        policies.append({"PolicyName": f"managed-{i}", "PolicyId": f"ANPA{i:016d}", "Arn": arn, "Path": "/", "DefaultVersionId": "v2",
                         "AttachmentCount": 10, "PermissionsBoundaryUsageCount": 0, "IsAttachable": True,
                         "CreateDate": iso(ago(900)), "UpdateDate": iso(ago(100)), "PolicyVersionList": versions})
        pool.append({"PolicyName": f"managed-{i}", "PolicyArn": arn})
    groups = []
    for g in range(200):
        groups.append({"Path": "/", "GroupName": f"group-{g}", "GroupId": f"AGPA{g:016d}", "Arn": f"arn:aws:iam::{acct}:group/group-{g}",
                       "CreateDate": iso(ago(1000)), "GroupPolicyList": [{"PolicyName": "g", "PolicyDocument": r.choice(shared_docs)}],
                       "AttachedManagedPolicies": r.sample(pool, 2)})

    def inline():
        return [{"PolicyName": f"inline-{k}", "PolicyDocument": r.choice(shared_docs) if r.random() < 0.5 else document()} for k in range(r.randint(0, 2))]

    def tags():
        return [{"Key": "owner", "Value": f"team-{r.randrange(80)}"}] if r.random() < 0.7 else []

    users, roles, rows = [], [], []
    n_users = a.principals * 2 // 5
    for i in range(n_users):
        name = f"svc-user-{i}"
        arn = f"arn:aws:iam::{acct}:user/svc/{name}"
        created = ago(r.randrange(30, 2000))
        users.append({"Path": "/svc/", "UserName": name, "UserId": f"AIDA{i:016d}", "Arn": arn, "CreateDate": iso(created),
                      "UserPolicyList": inline(), "GroupList": [g["GroupName"] for g in r.sample(groups, r.randint(0, 3))],
                      "AttachedManagedPolicies": r.sample(pool, r.randint(1, 3)), "Tags": tags()})
        keys = []
        for _ in range(2):
            if r.random() < 0.6:
                rot = ago(r.randrange(1, 900))
                used = "N/A" if r.random() < 0.2 else iso(ago(r.randrange(0, 200)))
                keys += ["true" if r.random() < 0.9 else "false", iso(rot), used, "eu-west-1" if used != "N/A" else "N/A", "s3" if used != "N/A" else "N/A"]
            else:
                keys += ["false", "N/A", "N/A", "N/A", "N/A"]
        pw = r.random() < 0.15
        rows.append([name, arn, iso(created), "true" if pw else "false", iso(ago(3)) if pw else "N/A", "N/A", "N/A", "false", *keys,
                     "false", "N/A", "false", "N/A"])
    for i in range(a.principals - n_users):
        kind = r.random()
        if kind < 0.5:
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Service": r.choice(["lambda.amazonaws.com", "ec2.amazonaws.com", "ecs-tasks.amazonaws.com", "sns.amazonaws.com"])}, "Action": "sts:AssumeRole"}]}
        elif kind < 0.8:
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{r.choice([acct, '210987654321'])}:root"}, "Action": "sts:AssumeRole"}]}
        else:
            trust = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Principal": {"Federated": f"arn:aws:iam::{acct}:oidc-provider/token.actions.githubusercontent.com"},
                     "Action": "sts:AssumeRoleWithWebIdentity", "Condition": {"StringLike": {"token.actions.githubusercontent.com:sub": f"repo:org/repo-{r.randrange(900)}:*"}}}]}
        last = {} if r.random() < 0.2 else {"LastUsedDate": iso(ago(r.randrange(0, 400))), "Region": "eu-west-1"}
        roles.append({"Path": "/", "RoleName": f"role-{i}", "RoleId": f"AROA{i:016d}", "Arn": f"arn:aws:iam::{acct}:role/role-{i}",
                      "CreateDate": iso(ago(r.randrange(10, 2000))), "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
                      "RolePolicyList": inline(), "AttachedManagedPolicies": r.sample(pool, r.randint(1, 3)), "Tags": tags(),
                      "RoleLastUsed": last})
    os.makedirs(a.out, exist_ok=True)
    with open(os.path.join(a.out, "gaad.json"), "w") as f:
        json.dump({"UserDetailList": users, "GroupDetailList": groups, "RoleDetailList": roles, "Policies": policies}, f, indent=4)
    header = ["user", "arn", "user_creation_time", "password_enabled", "password_last_used", "password_last_changed", "password_next_rotation",
              "mfa_active", "access_key_1_active", "access_key_1_last_rotated", "access_key_1_last_used_date", "access_key_1_last_used_region",
              "access_key_1_last_used_service", "access_key_2_active", "access_key_2_last_rotated", "access_key_2_last_used_date",
              "access_key_2_last_used_region", "access_key_2_last_used_service", "cert_1_active", "cert_1_last_rotated", "cert_2_active", "cert_2_last_rotated"]
    with open(os.path.join(a.out, "credential-report.csv"), "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    size = os.path.getsize(os.path.join(a.out, "gaad.json"))
    print(f"{len(users)} users, {len(roles)} roles -> {a.out} (gaad.json {size / 1e6:.0f} MB)")


if __name__ == "__main__":
    main()
