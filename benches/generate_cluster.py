#!/usr/bin/env python3
"""Generate a large Kubernetes cluster export for benchmarking `nhi scan --from`.

    python3 benches/generate_cluster.py --service-accounts 10000 --pods 50000 --bindings 5000 \
        --out /tmp/nhi-cluster-10000.json

Writes one `kubectl get ... -A -o json` List: namespaces, service accounts (some with legacy
token Secrets carrying values, some annotated with IRSA roles), roles and cluster roles,
role bindings and cluster role bindings (to accounts, namespace groups and a few to
system:authenticated), deployments with their replica sets and pods, and bare pods. Deterministic
(a fixed seed), so runs compare.
"""
import argparse
import base64
import json
import random

REF = "2026-11-01T09:30:00Z"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--service-accounts", type=int, default=10000)
    ap.add_argument("--pods", type=int, default=50000)
    ap.add_argument("--bindings", type=int, default=5000)
    ap.add_argument("--namespaces", type=int, default=200)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    rnd = random.Random(13)
    items = []
    uid = [0]

    def meta(name, ns=None, days=100, **extra):
        uid[0] += 1
        m = {"name": name, "uid": f"00000000-0000-4000-8000-{uid[0]:012d}", "resourceVersion": str(uid[0]),
             "creationTimestamp": f"2026-{1 + days % 10:02d}-{1 + days % 27:02d}T00:00:00Z"}
        if ns:
            m["namespace"] = ns
        m.update(extra)
        return m

    namespaces = [f"team-{i:03d}" for i in range(a.namespaces)]
    for i, ns in enumerate(namespaces):
        labels = {"kubernetes.io/metadata.name": ns}
        if i % 3:
            labels["team"] = f"squad-{i % 40}"
        items.append({"apiVersion": "v1", "kind": "Namespace", "metadata": meta(ns, labels=labels)})

    accounts = []
    for i in range(a.service_accounts):
        ns = namespaces[i % len(namespaces)]
        name = "default" if i < len(namespaces) else f"svc-{i:05d}"
        ann = {}
        if i % 50 == 7:
            ann["eks.amazonaws.com/role-arn"] = f"arn:aws:iam::111111111111:role/irsa-{i}"
        sa = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, ns, i % 400, annotations=ann or None)}
        if i % 4 == 0:
            sa["automountServiceAccountToken"] = False
        items.append(sa)
        accounts.append((ns, name))
        if i % 20 == 3:
            items.append({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
                          "metadata": meta(f"{name}-token", ns, i % 400,
                                           annotations={"kubernetes.io/service-account.name": name},
                                           labels={"kubernetes.io/legacy-token-last-used": f"2026-0{1 + i % 9}-15"}),
                          "data": {"token": base64.b64encode(f"bench-token-{i}".encode()).decode()}})

    cluster_roles = ["cluster-admin", "view", "edit", "admin", "secret-reader", "pod-exec", "binder"]
    rules = {
        "cluster-admin": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}],
        "view": [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments", "configmaps"], "verbs": ["get", "list", "watch"]}],
        "edit": [{"apiGroups": ["", "apps"], "resources": ["pods", "deployments", "secrets"], "verbs": ["create", "update", "patch", "delete", "get", "list"]}],
        "admin": [{"apiGroups": ["", "apps", "rbac.authorization.k8s.io"], "resources": ["*"], "verbs": ["*"]}],
        "secret-reader": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get", "list", "watch"]}],
        "pod-exec": [{"apiGroups": [""], "resources": ["pods/exec", "pods"], "verbs": ["create", "get"]}],
        "binder": [{"apiGroups": ["rbac.authorization.k8s.io"], "resources": ["clusterroles"], "verbs": ["bind"]}],
    }
    for r in cluster_roles:
        items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": meta(r), "rules": rules[r]})
    for ns in namespaces:
        items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": meta("app", ns),
                      "rules": [{"apiGroups": [""], "resources": ["configmaps"], "verbs": ["get", "list"]}]})

    for i in range(a.bindings):
        ns, name = accounts[rnd.randrange(len(accounts))]
        role = cluster_roles[rnd.randrange(len(cluster_roles))]
        subject = {"kind": "ServiceAccount", "name": name, "namespace": ns}
        if i % 500 == 1:
            subject = {"kind": "Group", "name": f"system:serviceaccounts:{ns}", "apiGroup": "rbac.authorization.k8s.io"}
        if i == 2:
            subject = {"kind": "Group", "name": "system:authenticated", "apiGroup": "rbac.authorization.k8s.io"}
        if i % 10 == 0:
            items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": meta(f"crb-{i}"),
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": role},
                          "subjects": [subject]})
        else:
            kind, rname = ("Role", "app") if i % 3 == 0 else ("ClusterRole", role)
            items.append({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": meta(f"rb-{i}", ns),
                          "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": rname},
                          "subjects": [subject]})

    # Deployments of 5 replicas (with their replica sets), then bare pods for the rest.
    pods = 0
    d = 0
    used = accounts[: int(len(accounts) * 0.8)]
    while pods + 5 <= a.pods * 0.9:
        ns, sa = used[d % len(used)]
        name = f"app-{d:05d}"
        tmpl = {"metadata": {"labels": {"app": name}},
                "spec": {"serviceAccountName": sa, "containers": [{"name": "main", "image": "registry.example/app:1"}]}}
        items.append({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta(name, ns), "spec": {"replicas": 5, "template": tmpl}})
        rs = f"{name}-5d9f8c7b6"
        items.append({"apiVersion": "apps/v1", "kind": "ReplicaSet",
                      "metadata": meta(rs, ns, ownerReferences=[{"apiVersion": "apps/v1", "kind": "Deployment", "name": name, "uid": "x", "controller": True}]),
                      "spec": {"replicas": 5, "template": tmpl}})
        for k in range(5):
            items.append({"apiVersion": "v1", "kind": "Pod",
                          "metadata": meta(f"{rs}-{k}", ns, 2, ownerReferences=[{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": rs, "uid": "x", "controller": True}]),
                          "spec": {"serviceAccountName": sa, "serviceAccount": sa, "nodeName": f"node-{pods % 300}",
                                   "containers": [{"name": "main", "image": "registry.example/app:1", "env": [{"name": "MODE", "value": "prod"}]}]},
                          "status": {"phase": "Running", "podIP": f"10.{pods // 65536 % 256}.{pods // 256 % 256}.{pods % 256}"}})
            pods += 1
        d += 1
    while pods < a.pods:
        ns, sa = used[pods % len(used)]
        items.append({"apiVersion": "v1", "kind": "Pod", "metadata": meta(f"job-{pods}", ns, 1),
                      "spec": {"serviceAccountName": sa, "containers": [{"name": "main", "image": "registry.example/job:1"}]},
                      "status": {"phase": "Succeeded"}})
        pods += 1

    with open(a.out, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": items}, f)
    print(f"{a.service_accounts} service accounts, {pods} pods, {a.bindings} bindings, {len(items)} objects -> {a.out}")


if __name__ == "__main__":
    main()
