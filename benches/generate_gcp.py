#!/usr/bin/env python3
"""Generate a Google Cloud organization export for benchmarking `nhi scan --from`:
200 projects, 20,000 service accounts, 40,000 user-managed keys, 100,000 binding members
(the files docs/gcp-export.sh writes; keys are one file per project, which nhi accepts since
every key names its account).

    python3 benches/generate_gcp.py --out /tmp/nhi-gcp-bench [--projects 200]
"""
import argparse
import json
import os


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--out", required=True)
    ap.add_argument("--projects", type=int, default=200)
    ap.add_argument("--accounts", type=int, default=100, help="per project")
    ap.add_argument("--keys", type=int, default=2, help="per account")
    ap.add_argument("--bindings", type=int, default=500, help="binding members per project")
    a = ap.parse_args()
    os.makedirs(a.out, exist_ok=True)
    roles = ["roles/viewer", "roles/storage.objectViewer", "roles/logging.logWriter",
             "roles/iam.serviceAccountUser", "roles/cloudfunctions.developer", "roles/editor",
             "roles/pubsub.publisher", "roles/bigquery.dataViewer"]
    policies = [{
        "assetType": "cloudresourcemanager.googleapis.com/Organization",
        "organization": "organizations/1000",
        "resource": "//cloudresourcemanager.googleapis.com/organizations/1000",
        "policy": {"bindings": [{"role": "roles/resourcemanager.organizationAdmin", "members": ["user:admin@acme.com"]}]},
    }]
    projects = []
    for p in range(a.projects):
        pid, number = f"bench-{p:03d}", str(100000 + p)
        folder = f"folders/{2000 + p % 10}"
        projects.append({"projectId": pid, "projectNumber": number, "lifecycleState": "ACTIVE",
                         "parent": {"type": "folder", "id": folder.split("/")[1]},
                         "labels": {"team": f"team-{p % 17}"} if p % 2 else {}})
        d = os.path.join(a.out, pid)
        os.makedirs(d, exist_ok=True)
        accounts, keys, acts, key_acts = [], [], [], []
        for s in range(a.accounts):
            email = f"sa-{s:03d}@{pid}.iam.gserviceaccount.com"
            uid = f"{number}{s:06d}"
            accounts.append({"email": email, "name": f"projects/{pid}/serviceAccounts/{email}",
                             "projectId": pid, "uniqueId": uid,
                             "description": f"owner: team-{s % 13}" if s % 3 else "",
                             "disabled": s % 50 == 0})
            res = f"//iam.googleapis.com/projects/{pid}/serviceAccounts/{email}"
            if s % 4:
                acts.append({"activityType": "serviceAccountLastAuthentication", "fullResourceName": res,
                             "observationPeriod": {"startTime": "2025-06-01T00:00:00Z"},
                             "activity": {"lastAuthenticatedTime": f"2026-{1 + s % 10:02d}-15T00:00:00Z"}})
            for k in range(a.keys):
                kid = f"{p:03d}{s:03d}{k:02d}" + "0" * 32
                keys.append({"name": f"projects/{pid}/serviceAccounts/{email}/keys/{kid}",
                             "keyType": "USER_MANAGED", "keyAlgorithm": "KEY_ALG_RSA_2048",
                             "validAfterTime": f"202{4 + k}-0{1 + s % 9}-01T00:00:00Z",
                             "validBeforeTime": "9999-12-31T23:59:59Z" if k == 0 else "2027-01-01T00:00:00Z"})
                if (s + k) % 3:
                    key_acts.append({"activityType": "serviceAccountKeyLastAuthentication",
                                     "fullResourceName": f"{res}/keys/{kid}",
                                     "observationPeriod": {"startTime": "2025-06-01T00:00:00Z"},
                                     "activity": {"lastAuthenticatedTime": "2026-09-01T00:00:00Z"}})
        # Binding members: most on the project, a fifth on single accounts.
        project_bindings = {}
        on_accounts = a.bindings // 5
        for i in range(a.bindings - on_accounts):
            role = roles[i % len(roles)]
            member = (f"serviceAccount:sa-{i % a.accounts:03d}@{pid}.iam.gserviceaccount.com"
                      if i % 4 else f"user:dev-{i}@acme.com")
            project_bindings.setdefault(role, []).append(member)
        policies.append({
            "assetType": "cloudresourcemanager.googleapis.com/Project", "project": f"projects/{number}",
            "folders": [folder], "organization": "organizations/1000",
            "resource": f"//cloudresourcemanager.googleapis.com/projects/{pid}",
            "policy": {"bindings": [{"role": r, "members": m} for r, m in sorted(project_bindings.items())]},
        })
        for i in range(on_accounts):
            email = f"sa-{i % a.accounts:03d}@{pid}.iam.gserviceaccount.com"
            policies.append({
                "assetType": "iam.googleapis.com/ServiceAccount", "project": f"projects/{number}",
                "folders": [folder], "organization": "organizations/1000",
                "resource": f"//iam.googleapis.com/projects/{pid}/serviceAccounts/{email}",
                "policy": {"bindings": [{"role": "roles/iam.serviceAccountTokenCreator",
                                         "members": [f"user:op-{i}@acme.com"]}]},
            })
        for name, data in [("service-accounts.json", accounts), ("keys.json", keys),
                           ("activity-accounts.json", acts), ("activity-keys.json", key_acts)]:
            with open(os.path.join(d, name), "w") as f:
                json.dump(data, f)
        with open(os.path.join(d, "providers.json"), "w") as f:
            json.dump([{"name": f"projects/{number}/locations/global/workloadIdentityPools/gh/providers/gh",
                        "oidc": {"issuerUri": "https://token.actions.githubusercontent.com"},
                        "attributeMapping": {"google.subject": "assertion.sub"},
                        "attributeCondition": "assertion.repository_owner == 'acme'" if p % 5 else None,
                        "state": "ACTIVE"}], f)
    with open(os.path.join(a.out, "iam-policies.json"), "w") as f:
        json.dump(policies, f)
    with open(os.path.join(a.out, "projects.json"), "w") as f:
        json.dump(projects, f)


if __name__ == "__main__":
    main()
