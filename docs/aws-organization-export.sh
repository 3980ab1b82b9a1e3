#!/usr/bin/env bash
# Write an AWS Organization's structure and its service and resource control policies as nhi
# reads them (`nhi scan --from organization.json --from gaad.json ...`): the guardrails every
# member account is under, level by level from the root down.
#
# Run it from the management account (or a delegated administrator) with the aws CLI and jq:
#   bash docs/aws-organization-export.sh > organization.json
# It needs organizations:DescribeOrganization, ListRoots, ListAccounts, ListParents,
# ListPolicies, DescribePolicy and ListTargetsForPolicy (docs/aws-permissions.json).
set -euo pipefail

org=$(aws organizations describe-organization --query Organization --output json)
roots=$(aws organizations list-roots --query Roots --output json)
accounts=$(aws organizations list-accounts --query Accounts --output json)

# Each account's parent, and each OU's, up to the root.
parents='{}'
for child in $(jq -r '.[].Id' <<<"$accounts"); do
  while [[ "$child" != r-* ]] && ! jq -e --arg c "$child" 'has($c)' <<<"$parents" >/dev/null; do
    parent=$(aws organizations list-parents --child-id "$child" --query 'Parents[0].Id' --output text)
    parents=$(jq --arg c "$child" --arg p "$parent" '. + {($c): $p}' <<<"$parents")
    child=$parent
  done
done

# Every control policy of an enabled type, with its document and its targets.
policies='[]'
for type in SERVICE_CONTROL_POLICY RESOURCE_CONTROL_POLICY; do
  jq -e --arg t "$type" '[.[].PolicyTypes[]? | select(.Type == $t and .Status == "ENABLED")] | length > 0' \
    <<<"$roots" >/dev/null || continue
  for id in $(aws organizations list-policies --filter "$type" --query 'Policies[].Id' --output text); do
    policy=$(aws organizations describe-policy --policy-id "$id" --query Policy --output json)
    targets=$(aws organizations list-targets-for-policy --policy-id "$id" --query Targets --output json)
    policies=$(jq --argjson p "$policy" --argjson t "$targets" '. + [$p + {Targets: $t}]' <<<"$policies")
  done
done

jq -n --argjson o "$org" --argjson r "$roots" --argjson a "$accounts" --argjson pa "$parents" \
  --argjson po "$policies" '{Organization: $o, Roots: $r, Accounts: $a, Parents: $pa, Policies: $po}'
