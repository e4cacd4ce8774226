"""What a change does to the inventory: identities added and removed, admitted workloads
widened or narrowed, privileges and lifetimes changed, metrics before and after."""

from __future__ import annotations

from .render import admitted_text

_BREADTH = ("exact", "unknown", "pattern", "unbounded")
_LEVELS = ("none", "unknown", "read", "write", "admin")


def _key(row: dict) -> tuple:
    return row["repository"], row["cloud"], row["address"]


def compare(before: dict, after: dict, since: str) -> dict:
    """{since, changes: [sentences], metrics_before} from two inventory documents."""
    old = {_key(r): r for r in before["identities"]}
    new = {_key(r): r for r in after["identities"]}
    changes = []
    for key in sorted(new.keys() - old.keys()):
        row = new[key]
        changes.append(f"new identity {row['cloud']} {row['identity']} ({row['address']}): admits "
                       f"{admitted_text(row['admitted'])}; privileges {_privileges(row)}")
    for key in sorted(old.keys() - new.keys()):
        row = old[key]
        changes.append(f"removed identity {row['cloud']} {row['identity']} ({row['address']})")
    for key in sorted(old.keys() & new.keys()):
        changes.extend(_changed(old[key], new[key]))
    old_credentials = {(c["repository"], c["path"], c["address"]): c for c in before["credentials"]}
    new_credentials = {(c["repository"], c["path"], c["address"]): c for c in after["credentials"]}
    for key in sorted(new_credentials.keys() - old_credentials.keys()):
        credential = new_credentials[key]
        changes.append(f"new static credential {credential['address']} ({credential['kind']}) in {credential['path']}")
    for key in sorted(old_credentials.keys() - new_credentials.keys()):
        credential = old_credentials[key]
        changes.append(f"removed static credential {credential['address']} ({credential['kind']}) in {credential['path']}")
    old_jobs = {(j["repository"], j["path"], j["job"], j["how"]) for j in before["jobs"]}
    for job in after["jobs"]:
        if (job["repository"], job["path"], job["job"], job["how"]) not in old_jobs:
            how = "a stored key" if job["how"] == "key" else "federation"
            changes.append(f"CI job {job['path']} {job['job']} obtains credentials by {how}")
    return {"since": since, "changes": changes, "metrics_before": before["metrics"]}


def _changed(old: dict, new: dict) -> list[str]:
    name = f"{new['cloud']} {new['identity']} ({new['address']})"
    out = []
    if old["admitted"] != new["admitted"]:
        out.append(f"{name}: admission {_direction(old['admitted'], new['admitted'])} from {admitted_text(old['admitted'])} "
                   f"to {admitted_text(new['admitted'])}")
    if old["privileges"] != new["privileges"]:
        out.append(f"{name}: privileges from {_privileges(old)} to {_privileges(new)}")
    if old["max_lifetime_seconds"] != new["max_lifetime_seconds"]:
        out.append(f"{name}: credential lifetime from {old['max_lifetime_seconds']} s to {new['max_lifetime_seconds']} s")
    if old["tier"] != new["tier"]:
        out.append(f"{name}: tier from {old['tier']} to {new['tier']}")
    return out


def _direction(old: dict, new: dict) -> str:
    """widened / narrowed when it is clear (a broader kind; more or fewer exact workloads), else changed."""
    before, after = _BREADTH.index(old["kind"]), _BREADTH.index(new["kind"])
    if before != after:
        return "widened" if after > before else "narrowed"
    if set(new["workloads"]) > set(old["workloads"]) or set(new["patterns"]) > set(old["patterns"]):
        return "widened"
    if set(new["workloads"]) < set(old["workloads"]) or set(new["patterns"]) < set(old["patterns"]):
        return "narrowed"
    return "changed"


def _privileges(row: dict) -> str:
    level, why = row["privileges"]["level"], row["privileges"]["why"]
    return "none in scan" if level == "none" else f"{level} ({why})" if why else level
