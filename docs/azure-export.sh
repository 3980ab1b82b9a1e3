#!/usr/bin/env bash
# Export an Entra ID tenant and its Azure subscriptions for `nhi scan --from DIR`.
#
#   docs/azure-export.sh OUT_DIR [SUBSCRIPTION_ID...]
#
# Runs as whoever `az login` signed in (read-only: see docs/azure-permissions.md). Without
# subscription ids, every subscription `az account list` shows for the current tenant is read.
# Each Graph listing is saved page by page (`az rest` returns one page; this follows
# @odata.nextLink), and nhi reads every page file. Files are recognized by content, not name.
# Beta listings (sign-in activity, Agent ID, flexible federated credentials) are skipped with a
# note when the tenant refuses them (sign-in activity needs Entra ID P1/P2 and AuditLog.Read.All).
set -euo pipefail

out=${1:?usage: docs/azure-export.sh OUT_DIR [SUBSCRIPTION_ID...]}
shift || true
mkdir -p "$out"
graph=${AZURE_GRAPH_URL:-https://graph.microsoft.com}

# Every page of a Graph listing: NAME-1.json, NAME-2.json, ...
pages() {
  local name=$1 url=$2 n=1
  while [ -n "$url" ]; do
    if ! az rest --method get --url "$url" --output json > "$out/$name-$n.json" 2> "$out/.$name.err"; then
      echo "note: $name not exported: $(head -c 300 "$out/.$name.err")" >&2
      rm -f "$out/$name-$n.json"
      return 0
    fi
    url=$(jq -r '."@odata.nextLink" // empty' "$out/$name-$n.json")
    n=$((n + 1))
  done
  rm -f "$out/.$name.err"
}

echo "service principals and applications" >&2
az ad sp list --all --output json > "$out/service-principals.json"
az ad app list --all --output json > "$out/applications.json"

echo "tenant, owners, roles, grants" >&2
pages organization "$graph/v1.0/organization"
pages application-owners "$graph/v1.0/applications?\$select=id,appId,displayName&\$expand=owners(\$select=id,displayName,userPrincipalName,accountEnabled)&\$top=999"
pages directory-role-assignments "$graph/v1.0/roleManagement/directory/roleAssignments?\$expand=roleDefinition"
pages oauth2-permission-grants "$graph/v1.0/oauth2PermissionGrants"

echo "application permissions (appRoleAssignedTo of every API that defines app roles)" >&2
jq -r '.[] | select([.appRoles[]? | select(.allowedMemberTypes | index("Application"))] | length > 0) | .id' \
  "$out/service-principals.json" | while read -r sp; do
  pages "app-role-assigned-to-$sp" "$graph/v1.0/servicePrincipals/$sp/appRoleAssignedTo?\$top=999"
done

echo "federated identity credentials (beta: flexible ones included)" >&2
jq -r '.[].id' "$out/applications.json" | while read -r app; do
  pages "fic-$app" "$graph/beta/applications/$app/federatedIdentityCredentials"
  # An application without federated credentials needs no file.
  if [ -f "$out/fic-$app-1.json" ] && [ "$(jq '.value | length' "$out/fic-$app-1.json")" = 0 ]; then
    rm -f "$out/fic-$app-1.json"
  fi
done

echo "sign-in activity and Agent ID (beta)" >&2
pages sign-in-activity "$graph/beta/reports/servicePrincipalSignInActivities"
pages agent-identity-blueprints "$graph/beta/applications/microsoft.graph.agentIdentityBlueprint?\$expand=owners"
pages agent-identities "$graph/beta/servicePrincipals/microsoft.graph.agentIdentity?\$expand=sponsors"
pages agent-users "$graph/beta/users/microsoft.graph.agentUser?\$expand=sponsors"

echo "Azure role assignments" >&2
if [ $# -eq 0 ]; then
  tenant=$(az account show --query tenantId --output tsv)
  mapfile -t subs < <(az account list --all --query "[?tenantId=='$tenant'].id" --output tsv)
else
  subs=("$@")
fi
for sub in "${subs[@]}"; do
  if ! az role assignment list --all --subscription "$sub" --output json > "$out/role-assignments-$sub.json"; then
    echo "note: subscription $sub refused its role assignments (assign Reader)" >&2
    rm -f "$out/role-assignments-$sub.json"
  fi
done
echo "done: nhi scan --from $out" >&2
