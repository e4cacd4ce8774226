"""Widely used registry modules, modelled by their inputs (registry sources cannot be
fetched offline). Each builds the trust the module would create, located at the inputs that
shape it in the calling configuration:

- terraform-aws-modules/iam//modules/iam-github-oidc-role: `subjects`, `audience`,
  `provider_url`, `max_session_duration`;
- terraform-aws-modules/iam//modules/iam-assumable-role-with-oidc (v5): `provider_url(s)`,
  `oidc_fully_qualified_subjects`, `oidc_subjects_with_wildcards`,
  `oidc_fully_qualified_audiences`, `role_name`, `create_role`;
- terraform-aws-modules/iam//modules/iam-role (v6) with `enable_github_oidc`:
  `oidc_subjects`, `oidc_wildcard_subjects`, `oidc_audiences`, `github_provider`;
- terraform-aws-modules/iam//modules/iam-role-for-service-accounts(-eks): `oidc_providers`
  with `namespace_service_accounts`, `assume_role_condition_test`;
- unfunco/oidc-github: `github_repositories`, `max_session_duration`;
- terraform-google-modules/github-actions-runners//modules/gh-oidc: `attribute_condition`,
  `attribute_mapping`, `allowed_audiences`, `sa_mapping`.
"""

from __future__ import annotations

import re

from ..model import Location, ScanModel
from ..resources import AwsRole, GcpGrant, GcpProvider, RoleInput
from ..source import Span
from ..values import Node, text_of
from .hcl import Block

GITHUB = "token.actions.githubusercontent.com"
_GH_OIDC_MAPPING = {
    "google.subject": "assertion.sub",
    "attribute.actor": "assertion.actor",
    "attribute.aud": "assertion.aud",
    "attribute.repository": "assertion.repository",
}


def registry_module(source: str, address: str, block: Block, inputs: dict, call_sites: list[Location], model: ScanModel) -> None:
    lowered = source.lower()
    if "iam-github-oidc-role" in lowered:
        _github_oidc_role(address, block, inputs, call_sites, model)
    elif "iam-assumable-role-with-oidc" in lowered:
        _assumable_role_with_oidc(address, block, inputs, call_sites, model)
    elif "iam-role-for-service-accounts" in lowered:
        _irsa_role(address, block, inputs, call_sites, model)
    elif "terraform-aws-modules/iam" in lowered and re.search(r"//modules/iam-role(?:$|[?/])", lowered):
        _iam_role_v6(address, block, inputs, call_sites, model)
    elif "oidc-github" in lowered and "unfunco" in lowered:
        _unfunco(address, block, inputs, call_sites, model)
    elif "gh-oidc" in lowered:
        _gh_oidc(address, block, inputs, call_sites, model)


def _text(node: Node | None, default: str) -> str:
    return text_of(node) if node is not None and node.is_known and text_of(node) else default


def _list(node: Node | None) -> list[Node]:
    return node.value if node is not None and isinstance(node.value, list) else []


def _statement(block: Block, issuer: str, principal: str, conditions: dict, span: Span) -> Node:
    def n(value):
        return Node(value, span)

    condition = Node({test: Node(keys, span) for test, keys in conditions.items()}, span)
    return Node({
        "Effect": n("Allow"),
        "Action": n("sts:AssumeRoleWithWebIdentity"),
        "Principal": Node({"Federated": n(principal)}, span),
        "Condition": condition,
    }, span)


def _role(address: str, block: Block, inputs: dict, statements: list[Node], call_sites, model: ScanModel, name_input: str) -> None:
    policy = Node({"Statement": Node(statements, block.span)}, block.span)
    name = inputs.get(name_input)
    model.resources.append(AwsRole(RoleInput(
        address=f"{address}.aws_iam_role.this",
        resource_type="aws_iam_role",
        path=block.source.path,
        header=block.header,
        name=text_of(name) if name is not None else None,
        policy=policy,
        max_session=inputs.get("max_session_duration"),
        names=[block.labels[0], text_of(name) or "" if name is not None else ""],
        related=list(call_sites[:-1]),
    ), {}))


def _github_oidc_role(address, block, inputs, call_sites, model) -> None:
    subjects = _list(inputs.get("subjects"))
    if not subjects:
        return
    provider = _text(inputs.get("provider_url"), GITHUB).removeprefix("https://")
    audience = inputs.get("audience") or Node("sts.amazonaws.com", block.header)
    values = [Node(s.value if str(s.value).startswith("repo:") else f"repo:{text_of(s)}", s.span) if s.is_known else s
              for s in subjects]
    conditions = {
        "StringEquals": {f"{provider}:aud": audience},
        "StringLike": {f"{provider}:sub": Node(values, inputs["subjects"].span)},
    }
    statement = _statement(block, provider, f"arn:aws:iam::\u27e8account\u27e9:oidc-provider/{provider}", conditions, block.span)
    _role(address, block, inputs, [statement], call_sites, model, "name")


def _assumable_role_with_oidc(address, block, inputs, call_sites, model) -> None:
    """v5's iam-assumable-role-with-oidc: one statement per provider URL, with StringEquals on
    oidc_fully_qualified_subjects, StringLike on oidc_subjects_with_wildcards and on
    oidc_fully_qualified_audiences, each only when given (both subject lists empty: no
    subject condition at all, as the module writes it)."""
    create = inputs.get("create_role")
    if create is not None and create.value is False:
        return
    urls = _list(inputs.get("provider_urls")) or ([inputs["provider_url"]] if inputs.get("provider_url") is not None else [])
    statements = []
    for url_node in urls:
        url = _text(url_node, "\u27e8provider_url\u27e9").removeprefix("https://")
        conditions: dict = {}
        exact, wildcard = inputs.get("oidc_fully_qualified_subjects"), inputs.get("oidc_subjects_with_wildcards")
        audiences = inputs.get("oidc_fully_qualified_audiences")
        if exact is not None and (not isinstance(exact.value, list) or exact.value):
            conditions.setdefault("StringEquals", {})[f"{url}:sub"] = exact
        if wildcard is not None and (not isinstance(wildcard.value, list) or wildcard.value):
            conditions.setdefault("StringLike", {})[f"{url}:sub"] = wildcard
        if audiences is not None and (not isinstance(audiences.value, list) or audiences.value):
            conditions.setdefault("StringLike", {})[f"{url}:aud"] = audiences
        _extra_conditions(inputs.get("provider_trust_policy_conditions"), url, conditions)
        statements.append(_statement(block, url, f"arn:aws:iam::\u27e8account\u27e9:oidc-provider/{url}", conditions,
                                     url_node.span))
    if statements:
        _role(address, block, inputs, statements, call_sites, model, "role_name")


def _extra_conditions(extra: Node | None, url: str, conditions: dict) -> None:
    """provider_trust_policy_conditions: [{test, variable, values}] the module adds as condition
    blocks. A variable naming the provider's claim by an expression (the cluster's issuer URL
    from another module) is that claim; anything not known makes the statement unknown."""
    if extra is None:
        return
    if not isinstance(extra.value, list):
        conditions["\u27e8dynamic\u27e9"] = {"\u27e8condition\u27e9": extra}  # not known: the statement is not judged
        return
    for item in extra.value:
        test, variable, values = (item.get(k) if isinstance(item.value, dict) else None for k in ("test", "variable", "values"))
        key = text_of(variable) or ""
        claim = key.rsplit(":", 1)[-1] if ":" in key else ""
        if not (test is not None and test.is_known and isinstance(test.value, str) and claim and values is not None):
            conditions["\u27e8dynamic\u27e9"] = {"\u27e8condition\u27e9": item}
            continue
        full = key if variable.is_known else f"{url}:{claim}"
        existing = conditions.setdefault(test.value, {}).get(full)
        conditions[test.value][full] = Node(existing.as_list() + values.as_list(), values.span) if existing else values


def _repo_subjects(node: Node | None) -> Node | None:
    """Subjects as the module writes them: `repo:` prepended when missing; an input that is
    not a known list stays as it is (unknown, never read as "no subjects")."""
    if node is None or not isinstance(node.value, list):
        return node
    return Node([Node(f"repo:{text_of(s).removeprefix('repo:')}", s.span) if s.is_known and isinstance(s.value, str) else s
                 for s in node.value], node.span)


def _iam_role_v6(address, block, inputs, call_sites, model) -> None:
    """v6 merged the GitHub role into iam-role: `enable_github_oidc = true` adds a statement
    with StringEquals on oidc_subjects and StringLike on oidc_wildcard_subjects."""
    enabled = inputs.get("enable_github_oidc")
    if enabled is None or enabled.value is not True:
        return  # off, or not known statically: nothing the module would be known to create
    provider = _text(inputs.get("github_provider"), GITHUB).removeprefix("https://")
    audiences = inputs.get("oidc_audiences")
    if audiences is None or (isinstance(audiences.value, list) and not audiences.value):
        audiences = Node([Node("sts.amazonaws.com", block.header)], block.header)
    issuer = Node([Node(f"https://{provider}", block.header)], block.header)
    conditions: dict = {"ForAllValues:StringEquals": {f"{provider}:aud": audiences, f"{provider}:iss": issuer}}
    exact, wildcard = _repo_subjects(inputs.get("oidc_subjects")), _repo_subjects(inputs.get("oidc_wildcard_subjects"))
    if exact is not None and not (isinstance(exact.value, list) and not exact.value):
        conditions["StringEquals"] = {f"{provider}:sub": exact}
    if wildcard is not None and not (isinstance(wildcard.value, list) and not wildcard.value):
        conditions["StringLike"] = {f"{provider}:sub": wildcard}
    statement = _statement(block, provider, f"arn:aws:iam::\u27e8account\u27e9:oidc-provider/{provider}", conditions, block.span)
    _role(address, block, inputs, [statement], call_sites, model, "name")


def _irsa_role(address, block, inputs, call_sites, model) -> None:
    providers = inputs.get("oidc_providers")
    if providers is None or not isinstance(providers.value, dict):
        return
    test = _text(inputs.get("assume_role_condition_test"), "StringEquals")
    statements = []
    for _, entry in providers.items():
        if not isinstance(entry.value, dict):
            continue
        arn = entry.get("provider_arn")
        accounts = entry.get("namespace_service_accounts")
        if arn is None or accounts is None or not isinstance(accounts.value, list):
            continue
        issuer = (text_of(arn) or "").split("oidc-provider/", 1)[-1]
        subjects = Node([Node(f"system:serviceaccount:{text_of(a)}", a.span) for a in accounts.value], accounts.span)
        conditions = {test: {f"{issuer}:sub": subjects, f"{issuer}:aud": Node("sts.amazonaws.com", block.header)}}
        statements.append(_statement(block, issuer, text_of(arn) or "", conditions, entry.span))
    if statements:
        _role(address, block, inputs, statements, call_sites, model, "role_name")


def _unfunco(address, block, inputs, call_sites, model) -> None:
    repositories = _list(inputs.get("github_repositories"))
    if not repositories:
        return
    values = []
    for repo in repositories:
        text = text_of(repo) or ""
        values.append(Node(f"repo:{text}" + ("" if ":" in text else ":*"), repo.span) if repo.is_known else repo)
    conditions = {
        "StringEquals": {f"{GITHUB}:aud": Node("sts.amazonaws.com", block.header)},
        "StringLike": {f"{GITHUB}:sub": Node(values, inputs["github_repositories"].span)},
    }
    statement = _statement(block, GITHUB, f"arn:aws:iam::\u27e8account\u27e9:oidc-provider/{GITHUB}", conditions, block.span)
    _role(address, block, inputs, [statement], call_sites, model, "iam_role_name")


def _gh_oidc(address, block, inputs, call_sites, model) -> None:
    mapping_node = inputs.get("attribute_mapping")
    if mapping_node is not None and not isinstance(mapping_node.value, dict):
        return
    mapping = ({k: (text_of(v) or "", v.span) for k, v in mapping_node.items()} if mapping_node is not None
               else {k: (v, block.header) for k, v in _GH_OIDC_MAPPING.items()})
    condition = inputs.get("attribute_condition")
    if condition is not None and not isinstance(condition.value, str):
        return  # from a variable: unknown, never a finding
    audiences = inputs.get("allowed_audiences")
    key = f"module:{address}"
    location = Location(block.source.path, block.header)
    issuer = inputs.get("issuer_uri")
    model.gcp_providers.append(GcpProvider(
        pool_keys={key}, address=f"{address}.google_iam_workload_identity_pool_provider.main", resource_type="gh-oidc",
        location=location, issuer_url=_text(issuer, f"https://{GITHUB}"),
        issuer_location=Location(block.source.path, issuer.span) if issuer is not None else None,
        mapping=mapping, condition=(condition.value, condition.span) if condition is not None else None,
        audiences=[(text_of(a) or "", a.span) for a in _list(audiences)] or None,
    ))
    sa_mapping = inputs.get("sa_mapping")
    for name, entry in sa_mapping.items() if sa_mapping is not None and isinstance(sa_mapping.value, dict) else []:
        attribute = entry.get("attribute") if isinstance(entry.value, dict) else None
        account = entry.get("sa_name") if isinstance(entry.value, dict) else None
        if attribute is None or not attribute.is_known:
            continue
        member = f"principalSet://iam.googleapis.com/\u27e8{address}.pool_name\u27e9/{text_of(attribute)}"
        account_text = (text_of(account) or name).rsplit("/", 1)[-1].split("@")[0]
        model.gcp_grants.append(GcpGrant(
            member=member, member_span=attribute.span, pool_keys={key}, role="roles/iam.workloadIdentityUser",
            address=f'{address}.google_service_account_iam_member.wif["{name}"]', resource_type="gh-oidc sa_mapping",
            location=location, principal_name=account_text, names=[name, account_text], member_path=block.source.path,
        ))
