#!/usr/bin/env python3
"""Generate an offline Entra ID tenant for benchmarks: the files docs/azure-export.sh writes.

    python3 benches/generate_azure.py --service-principals 20000 --applications 10000 --out DIR

Every application has a service principal (the rest are managed identities and third-party
apps), one or two credentials, owners, a federated credential on every tenth; every fiftieth
holds a Graph permission, every two hundredth a directory role; three subscriptions' role
assignments (a management-group one repeated in each); sign-in activity for most.
"""
import argparse, json, os, random, uuid

p = argparse.ArgumentParser()
p.add_argument("--service-principals", type=int, default=20000)
p.add_argument("--applications", type=int, default=10000)
p.add_argument("--out", required=True)
a = p.parse_args()
rnd = random.Random(7)
NS = uuid.UUID("00000000-0000-4000-8000-00000000be0c")
T = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
G = "https://graph.microsoft.com"


def gid(*x):
    return str(uuid.uuid5(NS, "/".join(map(str, x))))


def day(y, m, d):
    return f"{y:04d}-{m:02d}-{d:02d}T00:00:00Z"


PERMS = {"Application.ReadWrite.All": "1bfefb4e-e0b5-418b-a88f-73c46d2cc8e9", "Mail.ReadWrite": "e2a3a72e-5f79-4c64-b1b1-878b674786c9",
         "User.Read.All": "df021288-bdef-4463-88db-98f22de89214", "Directory.Read.All": "7ab1d382-f21e-4acd-a863-ba3e13f7da61"}
graph_sp = gid("graph")
sps = [{"id": graph_sp, "appId": "00000003-0000-0000-c000-000000000000", "displayName": "Microsoft Graph",
        "appOwnerOrganizationId": "f8cdef31-a31e-4b4a-93e4-5f571e91255a", "servicePrincipalType": "Application",
        "appRoles": [{"id": v, "value": k, "allowedMemberTypes": ["Application"]} for k, v in PERMS.items()],
        "passwordCredentials": [], "keyCredentials": [], "alternativeNames": [], "tags": []}]
apps, owners, grants, roles, signins, fics = [], [], [], [], [], {}
users = [{"@odata.type": "#microsoft.graph.user", "id": gid("u", i), "userPrincipalName": f"user{i}@bench.example",
          "displayName": f"User {i}", "accountEnabled": i % 17 != 0} for i in range(500)]


def cred(i, k):
    y = 2025 + (i % 2)
    return {"keyId": gid("k", i, k), "displayName": f"c{k}", "hint": "abc", "startDateTime": day(y, 1 + i % 12, 1 + i % 28),
            "endDateTime": day(y + 1 + (i % 3 == 0), 1 + i % 12, 1 + i % 28)}


for i in range(a.applications):
    oid, appid, spid = gid("a", i), gid("appid", i), gid("sp", i)
    apps.append({"id": oid, "appId": appid, "displayName": f"app-{i:05d}", "createdDateTime": day(2023 + i % 3, 1 + i % 12, 1 + i % 28),
                 "signInAudience": "AzureADMyOrg", "passwordCredentials": [cred(i, n) for n in range(1 + i % 2)],
                 "keyCredentials": [], "requiredResourceAccess": []})
    sps.append({"id": spid, "appId": appid, "displayName": f"app-{i:05d}", "appOwnerOrganizationId": T, "servicePrincipalType": "Application",
                "accountEnabled": True, "appRoles": [], "passwordCredentials": [cred(i, 9)] if i % 97 == 0 else [],
                "keyCredentials": [], "alternativeNames": [], "tags": []})
    own = [] if i % 23 == 0 else [users[i % 500]] + ([users[(i * 7) % 500]] if i % 3 == 0 else [])
    if i % 101 == 0:
        own.append({"@odata.type": "#microsoft.graph.servicePrincipal", "id": gid("sp", i + 1), "displayName": f"app-{i + 1:05d}"})
    owners.append({"id": oid, "appId": appid, "displayName": f"app-{i:05d}", "owners": own})
    if i % 50 == 0:
        grants.append((spid, list(PERMS)[(i // 50) % 4]))
    if i % 200 == 0:
        roles.append((spid, ["62e90394-69f5-4237-9190-012177145e10", "9b895d92-2cd3-44c7-9d02-a6ac2d5ea5c3", "88d8e3e3-8f55-4a1e-953a-9b9898b8876b"][(i // 200) % 3]))
    if i % 10 == 0:
        fics[oid] = [{"id": gid("f", i), "name": "gh", "issuer": "https://token.actions.githubusercontent.com",
                      "subject": f"repo:bench/r{i}:" + ("pull_request" if i % 30 == 0 else "environment:prod"), "audiences": ["api://AzureADTokenExchange"]}]
    if i % 5:
        signins.append({"appId": appid, "lastSignInActivity": {"lastSignInDateTime": day(2026, 1 + i % 10, 1 + i % 28)}})
rest = a.service_principals - len(sps)
for j in range(max(rest, 0)):
    spid = gid("extra", j)
    mi = j % 2 == 0
    sps.append({"id": spid, "appId": gid("extraapp", j), "displayName": f"{'mi' if mi else 'vendor'}-{j:05d}",
                "appOwnerOrganizationId": None if mi else gid("vendor", j % 40), "servicePrincipalType": "ManagedIdentity" if mi else "Application",
                "accountEnabled": True, "appRoles": [], "passwordCredentials": [], "keyCredentials": [],
                "alternativeNames": ["isExplicit=True"] if j % 4 == 0 else [], "tags": []})
    if not mi and j % 25 == 1:
        grants.append((spid, "Mail.ReadWrite"))
subs = [gid("sub", s) for s in range(3)]
mg = {"id": "/providers/Microsoft.Management/managementGroups/root/providers/Microsoft.Authorization/roleAssignments/" + gid("mg"),
      "principalId": gid("sp", 3), "roleDefinitionId": "/providers/Microsoft.Authorization/roleDefinitions/b24988ac-6180-42a0-ab88-20f7382dd24c",
      "roleDefinitionName": "Contributor", "scope": "/providers/Microsoft.Management/managementGroups/root", "principalType": "ServicePrincipal"}

os.makedirs(a.out, exist_ok=True)


def w(name, doc):
    with open(os.path.join(a.out, name), "w") as f:
        json.dump(doc, f)


def env(ctx, value, v="v1.0"):
    return {"@odata.context": f"{G}/{v}/$metadata#{ctx}", "value": value}


w("service-principals.json", sps)
w("applications.json", apps)
w("organization.json", env("organization", [{"id": T}]))
w("application-owners.json", env("applications(id,appId,displayName,owners(id,displayName,userPrincipalName,accountEnabled))", owners))
w("graph-app-role-assigned-to.json", env(f"servicePrincipals('{graph_sp}')/appRoleAssignedTo",
  [{"id": gid("g", n), "principalId": s, "resourceId": graph_sp, "appRoleId": PERMS[p], "principalType": "ServicePrincipal"} for n, (s, p) in enumerate(grants)]))
w("directory-role-assignments.json", env("roleManagement/directory/roleAssignments",
  [{"id": gid("r", n), "principalId": s, "roleDefinitionId": r, "directoryScopeId": "/"} for n, (s, r) in enumerate(roles)]))
w("sign-in-activity.json", env("reports/servicePrincipalSignInActivities", signins, "beta"))
for oid, lst in fics.items():
    w(f"fic-{oid}.json", env(f"applications('{oid}')/federatedIdentityCredentials", lst, "beta"))
for s_i, sub in enumerate(subs):
    ras = [mg] + [{"id": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleAssignments/{gid('ra', sub, k)}",
                   "principalId": gid("sp", k), "roleDefinitionId": f"/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/" +
                   ["8e3af657-a8ff-443c-a75c-2fe8c4bcb635", "b24988ac-6180-42a0-ab88-20f7382dd24c", "acdd72a7-3385-48ef-bd42-f606fba81ae7"][k % 3],
                   "scope": f"/subscriptions/{sub}" + ("" if k % 2 else "/resourceGroups/rg"), "principalType": "ServicePrincipal"}
                  for k in range(s_i, a.applications, 40)]
    w(f"role-assignments-{sub}.json", ras)
print(f"{len(sps)} service principals, {len(apps)} applications, {len(fics)} federated credential files -> {a.out}")
