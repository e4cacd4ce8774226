"""Inventory rows, metrics and graph from a scan's facts and findings.

Rows come first and everything else is computed from rows only, so inventories of many
repositories merge into one report by concatenating rows (merge)."""

from __future__ import annotations

from ..findings import SEVERITIES, Finding

INVENTORY_VERSION = 1
DEFAULT_LIFETIME = 3600  # AWS role sessions, GCP access tokens and Azure tokens default to one hour
_KIND_ORDER = ("exact", "unknown", "pattern", "unbounded")  # how broad the admitted workloads are
_CI_KEY_TYPES = ("workflow-job", "gitlab-job")
_LONGEST = {"aws": 43200, "gcp": 43200, "azure": 86400}  # the longest lifetime each cloud allows  # a stored key a CI job passes (not a resource that creates one)


def build_inventory(facts: list[dict], findings: list[Finding], repository: str = "") -> dict:
    """The versioned inventory document (schemas/inventory.schema.json)."""
    identities = _identities(facts, findings, repository)
    credentials = [_credential_row(f, findings, repository) for f in facts
                   if f["kind"] == "credential" and f["resource_type"] not in _CI_KEY_TYPES]
    jobs = _jobs(facts, identities, repository)
    document = {
        "version": INVENTORY_VERSION,
        "tool": "trustlint",
        "repositories": [repository] if repository else [],
        "identities": identities,
        "credentials": sorted(credentials, key=lambda r: (r["path"], r["line"], r["address"])),
        "jobs": jobs,
    }
    return complete(document)


def complete(document: dict) -> dict:
    """Metrics and graph, recomputed from the rows (after a build or a merge)."""
    document["metrics"] = metrics(document)
    document["graph"] = graph(document)
    return document


# --- identities -------------------------------------------------------------------------

def _identity_key(fact: dict) -> tuple[str, str]:
    """Trusts of one identity: an AWS role is one trust; GCP grants and Azure credentials of
    one service account / identity / application are several."""
    folder = fact["path"].rsplit("/", 1)[0] if "/" in fact["path"] else ""  # the same name elsewhere is another identity
    if fact["provider"] in ("gcp", "azure") and fact["principal"]["name"]:
        return fact["provider"], folder, fact["principal"]["name"]
    return fact["provider"], folder, fact["address"]


def _identities(facts: list[dict], findings: list[Finding], repository: str) -> list[dict]:
    groups: dict[tuple[str, str, str], list[dict]] = {}
    for fact in facts:
        if fact["kind"] == "trust" and fact["principal"]["kind"] != "pool":  # a provider judged alone is no identity
            groups.setdefault(_identity_key(fact), []).append(fact)
    rows = [_identity_row(key, trusts, findings, repository) for key, trusts in groups.items()]
    return sorted(rows, key=lambda r: (r["cloud"], r["path"], r["line"], r["address"]))


def _identity_row(key: tuple[str, str, str], trusts: list[dict], findings: list[Finding], repository: str) -> dict:
    first = trusts[0]
    addresses = {t["address"] for t in trusts} | {t["audience"].get("address", "") for t in trusts} - {""}
    admitted = _admitted(trusts)
    lifetimes = [t["session"]["max_seconds"] for t in trusts if t["session"]["max_seconds"] > 0]
    # Set but not known statically (max_session_duration = var.x): the cloud's longest, to be safe.
    unknown_lifetime = any(t["session"]["max_seconds"] <= 0 and t["session"]["location"] for t in trusts)
    if unknown_lifetime:
        lifetimes.append(_LONGEST.get(first["provider"], 43200))
    tiers = sorted({t["tier"] for t in trusts})
    privileges = max((t.get("privileges", {"level": "none", "why": "", "grants": []}) for t in trusts),
                     key=lambda p: _level_rank(p["level"]))
    # Its findings: by address, in its own directory (the same address elsewhere is another identity).
    on_it = [f for f in findings if f.address in addresses and f.gating
             and (f.path.rsplit("/", 1)[0] if "/" in f.path else "") == key[1]]
    return {
        "repository": repository,
        "cloud": first["provider"],
        "identity": first["principal"]["name"] or first["address"],
        "kind": first["principal"]["kind"],
        "address": key[2] if first["provider"] != "aws" else first["address"],
        "path": first["path"],
        "line": first["location"]["line"],
        "trusts": sorted(t["address"] for t in trusts),
        "issuers": sorted({t["issuer"]["platform"] for t in trusts}),
        "admitted": admitted,
        "audiences": sorted({v for t in trusts for v in t["audience"].get("values", [])}),
        "max_lifetime_seconds": max(lifetimes) if lifetimes else DEFAULT_LIFETIME,
        "lifetime_set": bool(lifetimes) and not unknown_lifetime,
        "lifetime_known": not unknown_lifetime,
        "tier": "production" if "production" in tiers else (tiers[0] if len(tiers) == 1 else "mixed"),
        "non_production_reachable": any(_reaches_non_production(t) for t in trusts) or "non-production" in tiers,
        "shared_across_tiers": any(t["cross_environment"] for t in trusts),
        "privileges": {"level": privileges["level"], "why": privileges["why"],
                       "grants": [g["what"] for g in privileges["grants"]]},
        "findings": sorted(f"{f.rule_id} {f.severity}" for f in on_it),
        "worst_severity": max((f.severity for f in on_it), key=SEVERITIES.index, default="none"),
    }


def _admitted(trusts: list[dict]) -> dict:
    """Who gets in, from the admission analysis: the exact workloads named; a pattern with the
    witness the analysis built; any workload of the issuer (no subject check)."""
    kind, witness, breadth, patterns = "exact", "", "", []
    exact: set[str] = set()
    for trust in trusts:
        if trust["unconstrained"]["present"]:
            found = ("unbounded", trust["unconstrained"])
        elif trust["wildcard"]["present"]:
            found = ("pattern", trust["wildcard"])
            patterns.append(trust["wildcard"].get("matched_value", ""))
        elif not trust["subject"]["constrained"] and not trust["admitted"]:
            found = ("unknown", {})
        else:
            found = ("exact", {})
        named = {p["subject"] for p in trust["admitted"] if p["exact"] or p["breadth"] == "legit"}
        if not named and found[0] == "exact":  # the probes met no exact value: the values the trust names
            named = {v for c in trust["subject"]["constraints"] if c["positive"] for v in c["values"]
                     if "*" not in v and "?" not in v}
        exact |= named
        if _KIND_ORDER.index(found[0]) > _KIND_ORDER.index(kind):
            kind, witness, breadth = found[0], found[1].get("subject", ""), found[1].get("description", "")
    return {"kind": kind, "workloads": sorted(exact), "patterns": sorted(set(p for p in patterns if p)),
            "witness": witness, "breadth": breadth}


def _reaches_non_production(trust: dict) -> bool:
    return any(p["tier"] == "non-production" or ":pull_request" in p["subject"] for p in trust["admitted"])


def _level_rank(level: str) -> int:
    return ("none", "unknown", "read", "write", "admin").index(level) if level in ("none", "unknown", "read", "write", "admin") else 0


# --- credentials and jobs -----------------------------------------------------------------

def _credential_row(fact: dict, findings: list[Finding], repository: str) -> dict:
    on_it = [f for f in findings if f.address == fact["address"] and f.path == fact["path"] and f.gating]
    credential = fact.get("credential", {})
    return {
        "repository": repository,
        "cloud": fact.get("provider", ""),
        "address": fact["address"],
        "kind": credential.get("type") or fact.get("resource_type", ""),
        "owner": credential.get("owner", "") or "",
        "path": fact["path"],
        "line": fact["location"]["line"],
        "findings": sorted(f"{f.rule_id} {f.severity}" for f in on_it),
    }


def _jobs(facts: list[dict], identities: list[dict], repository: str) -> list[dict]:
    by_trust = {trust: row["identity"] for row in identities for trust in row["trusts"]}
    rows = []
    for fact in facts:
        if fact["kind"] != "workload" or not fact["credentials"]:
            continue
        federated = fact["credentials"]  # the federated logins of the job
        joined = sorted({by_trust[a] for c in federated for a in c["joined"] if a in by_trust})
        rows.append({
            "repository": repository,
            "platform": fact["platform"],
            "job": fact["address"],
            "path": fact["path"],
            "line": fact["location"]["line"],
            "environment": fact["environment"],
            "triggers": fact["triggers"],
            "how": "federation",
            "clouds": sorted({c["cloud"] for c in federated}),
            "targets": sorted({c["target"] for c in federated if c["target"]}),
            "identities": joined,
        })
    keyed: dict[tuple[str, str], dict] = {}
    for fact in facts:
        if fact["kind"] == "credential" and fact["resource_type"] in _CI_KEY_TYPES:
            row = keyed.setdefault((fact["path"], fact["address"]), {
                "repository": repository, "platform": "github-actions" if fact["resource_type"] == "workflow-job" else "gitlab",
                "job": fact["address"], "path": fact["path"], "line": fact["location"]["line"], "environment": "",
                "triggers": [], "how": "key", "clouds": [], "targets": [], "identities": []})
            row["clouds"] = sorted(set(row["clouds"]) | {fact.get("provider", "")})
    rows.extend(keyed.values())
    return sorted(rows, key=lambda r: (r["path"], r["line"], r["job"]))


# --- metrics ----------------------------------------------------------------------------

def metrics(document: dict) -> dict:
    """The rollout metrics (README "Inventory"), from the rows."""
    identities, jobs = document["identities"], document["jobs"]
    keyed = {(j["repository"], j["path"], j["job"]) for j in jobs if j["how"] == "key"}
    federated = {(j["repository"], j["path"], j["job"]) for j in jobs if j["how"] == "federation"} - keyed
    obtaining = len(keyed | federated)
    lifetimes = sorted(r["max_lifetime_seconds"] for r in identities)
    return {
        "identities": len(identities),
        "static_credentials": len(document["credentials"]),
        "ci_jobs_obtaining_credentials": obtaining,
        "federation_rate": _ratio(len(federated), obtaining),
        "strict_trust_share": _ratio(sum(1 for r in identities if r["admitted"]["kind"] == "exact"), len(identities)),
        "lifetime_median_seconds": _percentile(lifetimes, 50),
        "lifetime_p95_seconds": _percentile(lifetimes, 95),
        "lifetime_max_seconds": lifetimes[-1] if lifetimes else None,
        "non_production_reachable": sum(1 for r in identities if r["non_production_reachable"]),
        "shared_across_tiers": sum(1 for r in identities if r["shared_across_tiers"]),
        "admin_identities_reachable_from_ci": sum(1 for r in identities if r["privileges"]["level"] == "admin"),
    }


def _ratio(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def _percentile(values: list[int], percent: int) -> int | None:
    """Nearest-rank percentile."""
    if not values:
        return None
    rank = max(1, -(-percent * len(values) // 100))
    return values[rank - 1]


# --- graph ------------------------------------------------------------------------------

def graph(document: dict) -> dict:
    """Workloads → identities → privileges. A workload node is what a trust admits: an exact
    workload, or (risky) the pattern or the whole issuer; CI jobs that log in point at the
    identities they obtain."""
    nodes: dict[str, dict] = {}
    edges: list[dict] = []

    def node(node_id: str, label: str, kind: str, risky: bool = False) -> str:
        nodes.setdefault(node_id, {"id": node_id, "label": label, "kind": kind, "risky": risky})
        return node_id

    for row in document["identities"]:
        identity = node(f"identity:{row['repository']}:{row['cloud']}:{row['address']}",
                        f"{row['cloud']} {row['identity']}", "identity", row["privileges"]["level"] == "admin")
        admitted = row["admitted"]
        for workload in admitted["workloads"]:
            # A pull request reaching a production identity is the risky edge of an exact trust (TL004).
            risky = ":pull_request" in workload and row["tier"] == "production"
            edges.append({"from": node(f"workload:{workload}", workload, "workload", risky), "to": identity, "risky": risky})
        if admitted["kind"] in ("pattern", "unbounded"):
            label = ", ".join(admitted["patterns"]) if admitted["kind"] == "pattern" else f"any {'/'.join(row['issuers'])} workload"
            risky_node = node(f"pattern:{label}", f"{label} (e.g. {admitted['witness']})", "pattern", True)
            edges.append({"from": risky_node, "to": identity, "risky": True})
        level = row["privileges"]["level"]
        if level not in ("none",):
            label = row["privileges"]["why"] or level
            privilege = node(f"privilege:{level}:{label}", f"{level}: {label}", "privilege", level == "admin")
            edges.append({"from": identity, "to": privilege, "risky": level == "admin"})
    identity_ids = {(r["repository"], r["identity"]): f"identity:{r['repository']}:{r['cloud']}:{r['address']}"
                    for r in document["identities"]}
    for job in document["jobs"]:
        job_id = node(f"job:{job['repository']}:{job['path']}:{job['job']}", f"{job['path']} {job['job']}", "job",
                      job["how"] == "key")
        for name in job["identities"]:
            target = identity_ids.get((job["repository"], name))
            if target:
                edges.append({"from": job_id, "to": target, "risky": False})
    unique = {(e["from"], e["to"]): e for e in edges}
    return {"nodes": sorted(nodes.values(), key=lambda n: n["id"]),
            "edges": sorted(unique.values(), key=lambda e: (e["from"], e["to"]))}


def merge(documents: list[dict], names: list[str] | None = None) -> dict:
    """One inventory from several (one per repository): rows concatenated, the rest recomputed.
    Rows without a repository take `names` (the files they came from), so two repositories'
    identities never merge into one graph node."""
    merged = {"version": INVENTORY_VERSION, "tool": "trustlint", "repositories": [], "identities": [],
              "credentials": [], "jobs": []}
    for index, document in enumerate(documents):
        fallback = names[index] if names else f"inventory {index + 1}"
        repositories = document.get("repositories", []) or [fallback]
        merged["repositories"].extend(r for r in repositories if r not in merged["repositories"])
        for key in ("identities", "credentials", "jobs"):
            merged[key].extend(dict(row, repository=row["repository"] or fallback) for row in document[key])
    return complete(merged)
