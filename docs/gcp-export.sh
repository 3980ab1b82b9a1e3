#!/usr/bin/env bash
# Export what nhi reads about a Google Cloud organization, for `nhi scan --from OUT`.
#
#   docs/gcp-export.sh ORG_ID OUT_DIR            # every active project of the organization
#   GCP_PROJECTS="p1 p2" docs/gcp-export.sh ORG_ID OUT_DIR   # only these projects
#
# Needs gcloud (authenticated, with the roles in docs/gcp-permissions.md) and jq. Every file is
# what gcloud prints with --format=json; nhi recognizes each by content, not by name. A call
# that is refused is reported on stderr and the export goes on (nhi then says what is missing).
# Empty answers are not written: an empty list says nothing about what it lists.
#
# Files (OUT_DIR/...):
#   projects.json                           gcloud projects list
#   iam-policies.json                       gcloud asset search-all-iam-policies --scope=organizations/ORG
#   custom-roles.json                       gcloud iam roles describe, for every custom role (a JSON array)
#   PROJECT/service-accounts.json           gcloud iam service-accounts list
#   PROJECT/keys/SA_EMAIL.json              gcloud iam service-accounts keys list --managed-by=user
#   PROJECT/activity-accounts.json          gcloud policy-intelligence query-activity (serviceAccountLastAuthentication)
#   PROJECT/activity-keys.json              gcloud policy-intelligence query-activity (serviceAccountKeyLastAuthentication)
#   PROJECT/providers/POOL.json             gcloud iam workload-identity-pools providers list
#   groups/GROUP_EMAIL.json                 gcloud identity groups memberships list --group-email=G
#                                           (optional: for every group the policies name)
#
# Group memberships need Cloud Identity read access (the Groups Reader admin role, or the
# caller being able to see the group's members), which many security reviewers lack: a refused
# group is reported and skipped (GCP_SKIP_GROUPS=1 skips them all). Without a group's file, nhi
# lists a grant to that group as the group's, never as its member accounts'. nhi reads the group
# from the file name, so keep it GROUP_EMAIL.json.
set -uo pipefail

org="${1:?usage: gcp-export.sh ORG_ID OUT_DIR}"
out="${2:?usage: gcp-export.sh ORG_ID OUT_DIR}"
gcloud="${GCLOUD:-gcloud}"
mkdir -p "$out"

warn() { echo "gcp-export: $*" >&2; }

# Run a gcloud command into a file; keep the file only when it holds a non-empty JSON answer.
save() {
  local file="$1"; shift
  mkdir -p "$(dirname "$file")"
  if ! "$gcloud" "$@" --format=json >"$file.tmp" 2>"$file.err"; then
    warn "$* failed: $(tr '\n' ' ' <"$file.err")"
    rm -f "$file.tmp" "$file.err"
    return 1
  fi
  rm -f "$file.err"
  if jq -e 'if type == "array" then length > 0 else . != null end' "$file.tmp" >/dev/null 2>&1; then
    mv "$file.tmp" "$file"
  else
    rm -f "$file.tmp"
  fi
}

save "$out/projects.json" projects list --filter="lifecycleState=ACTIVE"
if [ -n "${GCP_PROJECTS:-}" ]; then
  projects="$GCP_PROJECTS"
elif [ -f "$out/projects.json" ]; then
  projects="$(jq -r '.[].projectId' "$out/projects.json")"
else
  projects=""
fi

save "$out/iam-policies.json" asset search-all-iam-policies --scope="organizations/$org"

# Custom roles: `roles list` omits includedPermissions, so each is described.
roles_tmp="$(mktemp)"
echo '[]' >"$roles_tmp"
add_roles() {
  local flag="$1"
  for role in $("$gcloud" iam roles list "$flag" --format='value(name)' 2>/dev/null); do
    if desc="$("$gcloud" iam roles describe "${role##*/}" "$flag" --format=json 2>/dev/null)"; then
      jq --argjson r "$desc" '. + [$r]' "$roles_tmp" >"$roles_tmp.new" && mv "$roles_tmp.new" "$roles_tmp"
    else
      warn "cannot describe $role"
    fi
  done
}
add_roles "--organization=$org"

for p in $projects; do
  add_roles "--project=$p"
  save "$out/$p/service-accounts.json" iam service-accounts list --project="$p" || continue
  if [ -f "$out/$p/service-accounts.json" ]; then
    for sa in $(jq -r '.[].email' "$out/$p/service-accounts.json"); do
      save "$out/$p/keys/$sa.json" iam service-accounts keys list --iam-account="$sa" --project="$p" --managed-by=user
    done
  fi
  save "$out/$p/activity-accounts.json" policy-intelligence query-activity \
    --activity-type=serviceAccountLastAuthentication --project="$p" --limit=unlimited
  save "$out/$p/activity-keys.json" policy-intelligence query-activity \
    --activity-type=serviceAccountKeyLastAuthentication --project="$p" --limit=unlimited
  for pool in $("$gcloud" iam workload-identity-pools list --location=global --project="$p" --format='value(name)' 2>/dev/null); do
    save "$out/$p/providers/${pool##*/}.json" iam workload-identity-pools providers list \
      --workload-identity-pool="${pool##*/}" --location=global --project="$p"
  done
done

# Group memberships (optional, see above): a grant to group:G counts for the service accounts
# among G's members when G's file is there.
if [ -z "${GCP_SKIP_GROUPS:-}" ] && [ -f "$out/iam-policies.json" ]; then
  for g in $(jq -r '[.[].policy.bindings[]?.members[]? | select(startswith("group:")) | sub("^group:"; "")] | unique | .[]' "$out/iam-policies.json"); do
    save "$out/groups/$g.json" identity groups memberships list --group-email="$g"
  done
fi

if jq -e 'length > 0' "$roles_tmp" >/dev/null; then
  mv "$roles_tmp" "$out/custom-roles.json"
else
  rm -f "$roles_tmp"
fi
echo "gcp-export: wrote $out (nhi scan --from $out)" >&2
