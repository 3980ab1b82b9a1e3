#!/usr/bin/env python3
"""Start moto on a loopback port, seed a scenario, print READY, serve until stdin closes.

    python3 tests/aws/moto_scenario.py PORT SCENARIO [ARG]

Scenarios:
  account   one account with everything nhi's AWS rules look for, planted and clean
  org       an organization: the management account and three members, one of which denies the scan
  perm      IAM policies enforced; users "scanner" (docs/aws-permissions.json) and "scanner-no-report"
  pipeline  GitHub Actions OIDC roles the GitHub scenario's organization can become (pipeline.py)
  big N     one account with N principals, for timing
  bigorg M N  an organization of M member accounts with N principals each, for memory profiles

moto runs in this process (ThreadedMotoServer) so the scenario can set what its API cannot:
access keys created and last used long ago. Credentials printed for the test are moto's fakes.
"""
import datetime
import json
import os
import sys

from moto.server import ThreadedMotoServer

os.environ.setdefault("AWS_ACCESS_KEY_ID", "AKIAMOTOSEEDER000001")
os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "moto-seeder-secret")
os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")

import boto3  # noqa: E402  (after the environment above)
from moto.iam.models import AccessKeyLastUsed, iam_backends  # noqa: E402
from moto.core.utils import utcnow  # noqa: E402

ACCOUNT = "123456789012"
PORT = int(sys.argv[1])
SCENARIO = sys.argv[2]
URL = f"http://127.0.0.1:{PORT}"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def client(service, creds=None):
    kw = {}
    if creds:
        kw = dict(aws_access_key_id=creds["AccessKeyId"], aws_secret_access_key=creds["SecretAccessKey"],
                  aws_session_token=creds.get("SessionToken"))
    return boto3.client(service, endpoint_url=URL, region_name="us-east-1", **kw)


def doc(*statements):
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def allow(action, resource="*"):
    return {"Effect": "Allow", "Action": action, "Resource": resource}


def backdate(account, user, index, created_days, used_days=None, service="s3"):
    """Make a user's access key old, and its last use long ago (None: never used)."""
    key = iam_backends[account]["global"].users[user].access_keys[index]
    now = utcnow()
    key.create_date = now - datetime.timedelta(days=created_days)
    key.last_used = None if used_days is None else AccessKeyLastUsed(
        timestamp=now - datetime.timedelta(days=used_days), service=service, region="us-east-1")


def backdate_role(account, name, created_days):
    for role in iam_backends[account]["global"].roles.values():
        if role.name == name:
            role.create_date = utcnow() - datetime.timedelta(days=created_days)


def seed_account(iam, account):
    # Keys: unused for long, never used, not rotated, two active, fresh.
    iam.create_user(UserName="ci-legacy")
    iam.create_access_key(UserName="ci-legacy")
    backdate(account, "ci-legacy", 0, created_days=300, used_days=120)
    iam.create_user(UserName="batch-never", Tags=[{"Key": "owner", "Value": "data"}])
    iam.create_access_key(UserName="batch-never")
    backdate(account, "batch-never", 0, created_days=60, used_days=None)
    iam.create_user(UserName="two-keys", Tags=[{"Key": "owner", "Value": "platform"}])
    iam.create_access_key(UserName="two-keys")
    iam.create_access_key(UserName="two-keys")
    backdate(account, "two-keys", 0, created_days=10, used_days=1)
    backdate(account, "two-keys", 1, created_days=5, used_days=1)
    iam.create_user(UserName="clean-svc", Tags=[{"Key": "owner", "Value": "payments"}])
    iam.create_access_key(UserName="clean-svc")
    backdate(account, "clean-svc", 0, created_days=10, used_days=0)
    iam.put_user_policy(UserName="clean-svc", PolicyName="table", PolicyDocument=doc(
        allow(["dynamodb:GetItem"], f"arn:aws:dynamodb:us-east-1:{account}:table/payments")))
    # Admin through a customer managed policy, escalation split across a group and the user.
    admin = iam.create_policy(PolicyName="everything", PolicyDocument=doc(allow("*")))["Policy"]["Arn"]
    iam.create_user(UserName="terraform", Tags=[{"Key": "owner", "Value": "platform"}])
    iam.attach_user_policy(UserName="terraform", PolicyArn=admin)
    iam.create_group(GroupName="deployers")
    iam.put_group_policy(GroupName="deployers", PolicyName="pass", PolicyDocument=doc(allow("iam:PassRole")))
    iam.add_user_to_group(GroupName="deployers", UserName="ci-legacy")
    iam.put_user_policy(UserName="ci-legacy", PolicyName="lambda", PolicyDocument=doc(
        allow(["lambda:CreateFunction", "lambda:InvokeFunction"])))
    # Trusts: GitHub OIDC without sub, a vendor without ExternalId, a strict OIDC role, a Lambda role.
    iam.create_open_id_connect_provider(Url="https://token.actions.githubusercontent.com",
                                        ClientIDList=["sts.amazonaws.com"], ThumbprintList=["a" * 40])
    gh = f"arn:aws:iam::{account}:oidc-provider/token.actions.githubusercontent.com"
    iam.create_role(RoleName="gh-any-repo", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Federated": gh}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com"}}}),
        Tags=[{"Key": "owner", "Value": "release"}])
    iam.create_role(RoleName="gh-strict", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Federated": gh}, "Action": "sts:AssumeRoleWithWebIdentity",
         "Condition": {"StringEquals": {"token.actions.githubusercontent.com:aud": "sts.amazonaws.com",
                                        "token.actions.githubusercontent.com:sub": "repo:acme/api:environment:prod"}}}),
        Tags=[{"Key": "owner", "Value": "release"}])
    iam.create_role(RoleName="vendor-no-external-id", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}),
        Tags=[{"Key": "owner", "Value": "finops"}])
    iam.create_role(RoleName="fn-orders", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        Tags=[{"Key": "owner", "Value": "orders"}])
    iam.put_role_policy(RoleName="fn-orders", PolicyName="logs", PolicyDocument=doc(
        allow(["logs:PutLogEvents"], f"arn:aws:logs:us-east-1:{account}:log-group:/aws/lambda/orders:*")))
    # What ci-legacy's PassRole + Lambda path reaches: a Lambda role that is an administrator.
    iam.create_role(RoleName="fn-admin", AssumeRolePolicyDocument=doc(
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}),
        Tags=[{"Key": "owner", "Value": "platform"}])
    iam.attach_role_policy(RoleName="fn-admin", PolicyArn=admin)


def scenario_account():
    seed_account(client("iam"), ACCOUNT)


def scenario_org():
    """Management account plus three members; the scanning role in the last member has no
    permissions, so that account fails while the others are reported."""
    policies = json.load(open(os.path.join(ROOT, "docs", "aws-permissions.json")))
    scanner = json.dumps(policies["scanner_policy"])
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    members = []
    for name in ["prod", "staging", "sandbox"]:
        status = org.create_account(Email=f"{name}@example.com", AccountName=name)["CreateAccountStatus"]
        members.append(status["AccountId"])
    iam = client("iam")
    iam.create_user(UserName="org-scanner")
    iam.put_user_policy(UserName="org-scanner", PolicyName="org", PolicyDocument=json.dumps(policies["organization_scanner_policy"]))
    iam.put_user_policy(UserName="org-scanner", PolicyName="scan", PolicyDocument=scanner)
    key = iam.create_access_key(UserName="org-scanner")["AccessKey"]
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
    iam.create_role(RoleName="nhi-scanner", AssumeRolePolicyDocument=trust)
    iam.put_role_policy(RoleName="nhi-scanner", PolicyName="scan", PolicyDocument=scanner)
    sts = client("sts")
    for i, account in enumerate(members):
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
        member = client("iam", creds)
        member.create_role(RoleName="nhi-scanner", AssumeRolePolicyDocument=trust)
        if i < len(members) - 1:
            member.put_role_policy(RoleName="nhi-scanner", PolicyName="scan", PolicyDocument=scanner)
        member.create_user(UserName=f"ci-{i}")
        member.create_access_key(UserName=f"ci-{i}")
        # The same escalation in every member: PassRole + Lambda, and an administrator role that
        # Lambda may run as. The organization's SCP on the prod OU denies iam:PassRole.
        member.put_user_policy(UserName=f"ci-{i}", PolicyName="deploy", PolicyDocument=doc(
            allow(["iam:PassRole", "lambda:CreateFunction", "lambda:InvokeFunction"])))
        member.create_role(RoleName="fn-admin", AssumeRolePolicyDocument=doc(
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
        member.put_role_policy(RoleName="fn-admin", PolicyName="all", PolicyDocument=doc(allow("*")))
        member.create_role(RoleName=f"vendor-{i}", AssumeRolePolicyDocument=doc(
            {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::999988887777:root"}, "Action": "sts:AssumeRole"}))
    # Guardrails: service control policies on, and one that denies iam:PassRole on the prod OU,
    # where the first member lives.
    root = org.list_roots()["Roots"][0]["Id"]
    org.enable_policy_type(RootId=root, PolicyType="SERVICE_CONTROL_POLICY")
    ou = org.create_organizational_unit(ParentId=root, Name="prod")["OrganizationalUnit"]["Id"]
    org.move_account(AccountId=members[0], SourceParentId=root, DestinationParentId=ou)
    deny = org.create_policy(Name="DenyPassRole", Description="no role passing in prod", Type="SERVICE_CONTROL_POLICY",
                             Content=doc({"Effect": "Deny", "Action": "iam:PassRole", "Resource": "*"}))
    org.attach_policy(PolicyId=deny["Policy"]["PolicySummary"]["Id"], TargetId=ou)
    print("MEMBERS " + " ".join(members), flush=True)
    print(f"KEY org-scanner {key['AccessKeyId']} {key['SecretAccessKey']}", flush=True)


def scenario_perm():
    iam = client("iam")
    policies = json.load(open(os.path.join(ROOT, "docs", "aws-permissions.json")))
    seed_account(iam, ACCOUNT)
    full = json.dumps(policies["scanner_policy"])
    missing = policies["scanner_policy"]
    missing["Statement"][0]["Action"] = [a for a in missing["Statement"][0]["Action"] if a != "iam:GenerateCredentialReport"]
    for user, policy in [("scanner", full), ("scanner-no-report", json.dumps(missing))]:
        iam.create_user(UserName=user)
        iam.put_user_policy(UserName=user, PolicyName="nhi", PolicyDocument=policy)
        key = iam.create_access_key(UserName=user)["AccessKey"]
        print(f"KEY {user} {key['AccessKeyId']} {key['SecretAccessKey']}", flush=True)


def scenario_big(n):
    iam = client("iam")
    shared = [iam.create_policy(PolicyName=f"shared-{i}", PolicyDocument=doc(
        allow([f"s3:GetObject", f"sqs:SendMessage"], f"arn:aws:s3:::bucket-{i}/*")))["Policy"]["Arn"] for i in range(20)]
    for i in range(n):
        if i % 2:
            iam.create_user(UserName=f"user-{i}", Tags=[{"Key": "owner", "Value": f"team-{i % 7}"}])
            iam.create_access_key(UserName=f"user-{i}")
            iam.attach_user_policy(UserName=f"user-{i}", PolicyArn=shared[i % 20])
        else:
            iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=doc(
                {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}))
            iam.put_role_policy(RoleName=f"role-{i}", PolicyName="p", PolicyDocument=doc(allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{ACCOUNT}:table/t{i}")))
            iam.attach_role_policy(RoleName=f"role-{i}", PolicyArn=shared[i % 20])


def scenario_bigorg(members, per_account):
    """M member accounts with N principals each (half users with a key, half Lambda roles), and a
    scanning role in each that the management account may assume; IAM is not enforced."""
    org = client("organizations")
    org.create_organization(FeatureSet="ALL")
    trust = doc({"Effect": "Allow", "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"}, "Action": "sts:AssumeRole"})
    lambda_trust = doc({"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"})
    sts = client("sts")
    for m in range(members):
        account = org.create_account(Email=f"m{m}@example.com", AccountName=f"member-{m}")["CreateAccountStatus"]["AccountId"]
        creds = sts.assume_role(RoleArn=f"arn:aws:iam::{account}:role/OrganizationAccountAccessRole", RoleSessionName="seed")["Credentials"]
        iam = client("iam", creds)
        iam.create_role(RoleName="nhi-scanner", AssumeRolePolicyDocument=trust)
        for i in range(per_account):
            if i % 2:
                iam.create_user(UserName=f"user-{i}")
                iam.put_user_policy(UserName=f"user-{i}", PolicyName="p", PolicyDocument=doc(allow("s3:GetObject", f"arn:aws:s3:::bucket-{i}/*")))
                iam.create_access_key(UserName=f"user-{i}")
            else:
                iam.create_role(RoleName=f"role-{i}", AssumeRolePolicyDocument=lambda_trust)
                iam.put_role_policy(RoleName=f"role-{i}", PolicyName="p", PolicyDocument=doc(allow("dynamodb:GetItem", f"arn:aws:dynamodb:us-east-1:{account}:table/t{i}")))


def main():
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=PORT, verbose=False)
    server.start()
    if SCENARIO == "account":
        scenario_account()
    elif SCENARIO == "org":
        scenario_org()
        from moto import settings
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    elif SCENARIO == "perm":
        scenario_perm()
        # From now on moto enforces IAM policies (its INITIAL_NO_AUTH_ACTION_COUNT setting).
        from moto import settings
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0
    elif SCENARIO == "pipeline":
        sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
        import pipeline
        pipeline.seed(client("iam"))
    elif SCENARIO == "big":
        scenario_big(int(sys.argv[3]))
    elif SCENARIO == "bigorg":
        scenario_bigorg(int(sys.argv[3]), int(sys.argv[4]))
    else:
        sys.exit(f"unknown scenario {SCENARIO}")
    print("READY", flush=True)
    try:
        if os.environ.get("MOTO_SCENARIO_WAIT") == "signal":
            # Benchmarks: serve until killed.
            import signal
            signal.pause()
        else:
            # Tests: serve until the test closes our stdin (or kills us).
            sys.stdin.read()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
