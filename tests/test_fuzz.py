"""Every parser survives hostile input: random bytes and mutations of valid files never
raise out of trustlint; what cannot be read becomes TL000 and the rest of the scan goes on.

CI runs a bounded number of examples; `HYPOTHESIS_PROFILE=long python3 -m pytest
tests/test_fuzz.py` runs many more locally."""

from __future__ import annotations

import os
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from trustlint.scan import ScanOptions, run_scan

settings.register_profile("ci", max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("long", max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.register_profile("medium", max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
# One seed per reader, written where that reader expects it: (path in the scanned repository, text).
SEEDS = {
    "terraform": ("target.tf", (ROOT / "examples/aws/terraform/deploy-roles.tf").read_text()),
    "terraform-gcp": ("target.tf", (ROOT / "examples/gcp/terraform/wif.tf").read_text()),
    "terraform-json": ("target.tf.json", (ROOT / "tests/data/cdktf-stack.tf.json").read_text()),
    "cloudformation-yaml": ("target.yaml", (ROOT / "examples/aws/cloudformation/github-oidc.yaml").read_text()),
    "cloudformation-json": ("target.json", (ROOT / "examples/aws/cloudformation/break-glass.json").read_text()),
    "cloudformation-foreach": ("target.yaml", (ROOT / "tests/data/cfn-foreach.yaml").read_text()),
    "policy-json": ("target.json", (ROOT / "examples/aws/policies/gitlab-release-trust.json").read_text()),
    "arm": ("target.json", (ROOT / "examples/azure/arm/azuredeploy.json").read_text()),
    "azure-credential-file": ("target.json", (ROOT / "examples/azure/cli/analytics-etl.json").read_text()),
    "gcloud": ("target.yaml", (ROOT / "examples/gcp/gcloud/github-provider.yaml").read_text()),
    "gcloud-policy": ("target.json", (ROOT / "examples/gcp/gcloud/deployer-policy.json").read_text()),
    "github-workflow": (".github/workflows/target.yml", (ROOT / "examples/ci/.github/workflows/deploy.yml").read_text()),
    "gitlab-ci": (".gitlab-ci.yml", (ROOT / "tests/rules/TL006-static-credential/bad/ci-gitlab-job-variables/.gitlab-ci.yml").read_text()),
    "terraform-plan": ("target.json", (ROOT / "tests/data/terraform-plan.json").read_text()),
    "bicep": ("target.bicep", (ROOT / "tests/rules/TL004-cross-environment-trust/bad/azure-bicep-nested-and-top-level/"
                                       "main.bicep").read_text()),
}
# The entry point of each reader: the fuzz run counts calls to prove it reached every one.
READERS = {
    "terraform": ("trustlint.terraform.configuration", "scan_configuration"),
    "terraform-json": ("trustlint.terraform.json_syntax", "parse_json_syntax"),
    "cloudformation": ("trustlint.formats.cloudformation", "scan_template"),
    "policy-json": ("trustlint.formats.cloudformation", "scan_policy_file"),
    "arm": ("trustlint.formats.arm", "scan_arm"),
    "azure-credential-file": ("trustlint.formats.arm", "scan_fic_file"),
    "gcloud": ("trustlint.formats.gcloud", "scan_gcloud"),
    "github-workflow": ("trustlint.formats.github_workflow", "scan_workflow"),
    "gitlab-ci": ("trustlint.formats.gitlab_ci", "scan_gitlab_ci"),
    "terraform-plan": ("trustlint.terraform.plan", "scan_plan"),
    "bicep": ("trustlint.formats.bicep", "scan_bicep_files"),
}
GOOD = (ROOT / "examples/aws/terraform/providers.tf").read_text()


MUTATIONS = ["truncate", "delete", "duplicate", "insert", "nest", "swap"]


def mutate(text: str, kind: str, draw_int, draw_text, draw_char, json_like: bool) -> str:
    if kind == "none":
        return text
    if kind == "truncate":
        return text[: draw_int(0, len(text))]
    if kind == "delete":
        return text.replace(draw_char(list("{}[]\":=,'")), "", draw_int(1, 5))
    if kind == "duplicate":
        lines = text.splitlines()
        i = draw_int(0, len(lines) - 1)
        lines.insert(i, lines[i])
        return "\n".join(lines)
    if kind == "insert":
        at = draw_int(0, len(text))
        return text[:at] + draw_text() + text[at:]
    if kind == "nest":
        depth = draw_int(50, 400)
        return text + "\n" + ("[" * depth if json_like else "x = " + "[" * depth)
    return text.replace('"', "'").replace("true", "[]").replace("sts:", "{}")


@st.composite
def mutated(draw):
    reader = draw(st.sampled_from(sorted(SEEDS)))
    path, text = SEEDS[reader]
    kind = draw(st.sampled_from(MUTATIONS))
    text = mutate(text, kind, lambda a, b: draw(st.integers(a, b)), lambda: draw(st.text(max_size=30)),
                  lambda chars: draw(st.sampled_from(chars)), path.endswith("json"))
    return path, text


def _scan(tmp_path, name: str, content):
    for old in sorted(tmp_path.rglob("*"), reverse=True):
        if old.is_file():
            old.unlink()
    (tmp_path / ".git").mkdir(exist_ok=True)
    target = tmp_path / name
    target.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "good.tf").write_text(GOOD + 'resource "aws_iam_access_key" "k" {\n  user = "u"\n}\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        return run_scan(ScanOptions(paths=["."]))
    finally:
        os.chdir(cwd)


def _unreadable(name: str, text: str) -> bool:
    """Does trustlint's own reader of this kind reject the text (syntax, nesting, encoding)?"""
    from trustlint.errors import AnalysisError
    from trustlint.source import SourceFile

    source = SourceFile(name, text)
    try:
        if name.endswith(".tf"):
            from trustlint.terraform.hcl import parse_hcl

            parse_hcl(source)
        elif name.endswith(".json"):
            from trustlint.input.jsonpos import load_json

            load_json(source)
        elif name.endswith(".bicep"):
            return _bicep_unreadable(source)
        else:
            from trustlint.input.yamlpos import load_yaml_documents

            load_yaml_documents(source)
    except (AnalysisError, RecursionError, UnicodeError, ValueError):
        return True
    return False


def _bicep_unreadable(source) -> bool:
    """The Bicep reader's own rule: the file must scan, and each resource naming federation (and
    any text that is no statement) must parse; declarations count only through their users."""
    from trustlint.errors import AnalysisError
    from trustlint.formats.bicep import _names_federation
    from trustlint.input.bicep_syntax import BicepFile

    try:
        file = BicepFile(source)
        for statement in file.statements:
            text = file.text[statement.start:statement.end]
            if statement.keyword == "" or statement.keyword == "resource" and _names_federation(text):
                file.parse(statement)
    except AnalysisError:
        return True
    return False


def _fail_closed(result, name: str, text: str) -> None:
    """Never silence: a mutated file that still names federation but can no longer be read
    is TL000 at that file, not a clean pass."""
    from trustlint.input.discovery import RELEVANT

    if not RELEVANT.found(text.encode("utf-8", "surrogatepass").lower()) or not _unreadable(name, text):
        return
    assert any(f.rule_id == "TL000" and f.path == name for f in result.findings), (name, text[:200])


@given(mutated())
def test_mutations_of_valid_files_never_crash_and_never_pass_silently(tmp_path_factory, case):
    name, text = case
    tmp_path = tmp_path_factory.mktemp("fuzz")
    result = _scan(tmp_path, name, text)
    # Whatever happened to the mutated file, the other file was still analysed.
    assert any(f.rule_id == "TL006" and f.path == "good.tf" for f in result.findings)
    for finding in result.findings:
        assert finding.span.line >= 1 and finding.span.column >= 1
    _fail_closed(result, name, text)


def test_every_reader_is_reached_by_the_mutations(tmp_path_factory, monkeypatch):
    """A fixed sweep (every seed, every mutation kind) through counted entry points: a reader
    the fuzz never reaches would leave its parser unfuzzed whatever the test says."""
    import importlib
    import random

    calls = {reader: 0 for reader in READERS}
    for reader, (module_name, function) in READERS.items():
        module = importlib.import_module(module_name)
        original = getattr(module, function)

        def counted(*args, _original=original, _reader=reader, **kwargs):
            calls[_reader] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, function, counted)
    rng = random.Random(7)
    tmp_path = tmp_path_factory.mktemp("sweep")
    for seed, (name, text) in sorted(SEEDS.items()):
        for kind in ["none"] + MUTATIONS:  # the seed itself first: each reader must read it
            mutated_text = mutate(text, kind, rng.randint, lambda: "".join(rng.choice("{}[]:,\"' xq") for _ in range(8)),
                                  rng.choice, name.endswith("json"))
            result = _scan(tmp_path, name, mutated_text)
            assert any(f.rule_id == "TL006" and f.path == "good.tf" for f in result.findings), (seed, kind)
            _fail_closed(result, name, mutated_text)
    assert all(calls.values()), {reader: n for reader, n in calls.items() if not n}


@given(st.sampled_from([".tf", ".yaml", ".json", ".tf.json", ".bicep"]), st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path_factory, suffix, data):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    result = _scan(tmp_path, "target" + suffix, b"AssumeRole " + data)
    assert any(f.rule_id == "TL006" and f.path == "good.tf" for f in result.findings)
