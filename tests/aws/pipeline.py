#!/usr/bin/env python3
"""The pipeline scenario's AWS side: GitHub Actions OIDC roles of account 123456789012 that the
GitHub scenario's organization `acme` (tests/github_scenario.rs) can, or cannot, become.

One definition serves both runs of the scenario:
  - moto_scenario.py `pipeline` creates these roles in moto (the live run);
  - `python3 tests/aws/pipeline.py` writes fixtures/aws/pipeline/gaad.json, the same roles as
    `aws iam get-account-authorization-details --output json` prints them (the offline run).
The integration test `pipeline::` checks that the fixture is this file's output.
"""
import json
import os
import sys

ACCOUNT = "123456789012"
GH = f"arn:aws:iam::{ACCOUNT}:oidc-provider/token.actions.githubusercontent.com"
AUD = {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}
SUB = "token.actions.githubusercontent.com:sub"
ORG_ID = 4200
WEB_ID = 10002


def doc(*statements):
    return {"Version": "2012-10-17", "Statement": list(statements)}


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def github(condition, sid="GitHubActions"):
    return doc({"Sid": sid, "Effect": "Allow", "Principal": {"Federated": GH},
                "Action": "sts:AssumeRoleWithWebIdentity", "Condition": condition})


ADMIN = doc(allow("*"))

# (name, trust, inline policies): what each role is for is in its name and comment.
ROLES = [
    # Any branch, tag, pull request or environment of acme/web: administrator. Critical.
    ("gh-web-any", github({"StringEquals": AUD, "StringLike": {SUB: "repo:acme/web:*"}}),
     [("admin", ADMIN)]),
    # Only environment prod of acme/web, which needs reviewers: administrator. High, gated.
    ("gh-web-prod", github({"StringEquals": {**AUD, SUB: "repo:acme/web:environment:prod"}}),
     [("admin", ADMIN)]),
    # Branch main of any acme repository, and of any new one: writes data. High.
    ("gh-main-any-repo", github({"StringEquals": AUD, "StringLike": {SUB: "repo:acme/*:ref:refs/heads/main"}}),
     [("artifacts", doc(allow(["s3:PutObject", "s3:DeleteObject"])))]),
    # The immutable form (owner@id/repo@id), any branch of acme/web: reads secrets. High.
    ("gh-web-by-id", github({"StringEquals": AUD, "StringLike": {SUB: f"repo:acme@{ORG_ID}/web@{WEB_ID}:ref:refs/heads/*"}}),
     [("secrets", doc(allow("secretsmanager:GetSecretValue")))]),
    # Two subjects: the first gated (prod of acme/web), the second open (pull requests of
    # acme/api): administrator. Critical, through the second.
    ("gh-two-subjects", github({"StringEquals": {**AUD, SUB: ["repo:acme/web:environment:prod", "repo:acme/api:pull_request"]}}),
     [("admin", ADMIN)]),
    # A repository of an organization that was not scanned: named, not resolved. Critical.
    ("gh-partner", github({"StringEquals": AUD, "StringLike": {SUB: "repo:partner-co/tool:*"}}),
     [("admin", ADMIN)]),
    # Any branch of acme/api, which may assume pipeline-admin: administrator in two hops.
    ("gh-ci-api", github({"StringEquals": AUD, "StringLike": {SUB: "repo:acme/api:ref:refs/heads/*"}}),
     [("assume", doc(allow("sts:AssumeRole", f"arn:aws:iam::{ACCOUNT}:role/pipeline-admin")))]),
    ("pipeline-admin", doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/gh-ci-api"},
                            "Action": "sts:AssumeRole"}),
     [("admin", ADMIN)]),
    # Quiet: publishes one bucket's objects, nothing sensitive.
    ("gh-docs-publish", github({"StringEquals": AUD, "StringLike": {SUB: "repo:acme/docs:ref:refs/heads/*"}}),
     [("site", doc(allow("s3:PutObject", "arn:aws:s3:::docs.acme.example/*")))]),
    # Quiet: the token's owner id must be another owner's, so acme/web never gets in.
    ("gh-web-owner-pinned", github({"StringEquals": {**AUD, "token.actions.githubusercontent.com:repository_owner_id": "999"},
                                    "StringLike": {SUB: "repo:acme/web:*"}}),
     [("admin", ADMIN)]),
]


def seed(iam):
    """Create the roles in moto (or any IAM endpoint)."""
    iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                        ClientIDList=["sts.amazonaws.com"], ThumbprintList=["b" * 40])
    for name, trust, inline in ROLES:
        iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(trust),
                        Tags=[{"Key": "owner", "Value": "release"}])
        for policy, document in inline:
            iam.put_role_policy(RoleName=name, PolicyName=policy, PolicyDocument=json.dumps(document))


def gaad():
    """The roles as `aws iam get-account-authorization-details` prints them."""
    roles = []
    for i, (name, trust, inline) in enumerate(ROLES):
        roles.append({
            "Path": "/", "RoleName": name, "RoleId": f"AROAPIPELINE{i:09d}",
            "Arn": f"arn:aws:iam::{ACCOUNT}:role/{name}", "CreateDate": "2026-06-01T10:00:00+00:00",
            "AssumeRolePolicyDocument": trust, "InstanceProfileList": [],
            "RolePolicyList": [{"PolicyName": p, "PolicyDocument": d} for p, d in inline],
            "AttachedManagedPolicies": [], "Tags": [{"Key": "owner", "Value": "release"}],
            "RoleLastUsed": {},
        })
    return {"UserDetailList": [], "GroupDetailList": [], "RoleDetailList": roles, "Policies": []}


if __name__ == "__main__":
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "fixtures", "aws", "pipeline", "gaad.json")
    if len(sys.argv) > 1 and sys.argv[1] == "-":
        json.dump(gaad(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        os.makedirs(os.path.dirname(out), exist_ok=True)
        with open(out, "w") as f:
            json.dump(gaad(), f, indent=2)
            f.write("\n")
