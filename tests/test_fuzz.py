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
SEEDS = {
    ".tf": (ROOT / "examples/aws/terraform/deploy-roles.tf").read_text(),
    ".yaml": (ROOT / "examples/aws/cloudformation/github-oidc.yaml").read_text(),
    ".json": (ROOT / "examples/aws/cloudformation/break-glass.json").read_text(),
    ".gcp.tf": (ROOT / "examples/gcp/terraform/wif.tf").read_text(),
    ".arm.json": (ROOT / "examples/azure/arm/azuredeploy.json").read_text(),
}
GOOD = (ROOT / "examples/aws/terraform/providers.tf").read_text()


@st.composite
def mutated(draw):
    suffix = draw(st.sampled_from(sorted(SEEDS)))
    text = SEEDS[suffix]
    kind = draw(st.sampled_from(["truncate", "delete", "duplicate", "insert", "nest", "swap"]))
    if kind == "truncate":
        text = text[: draw(st.integers(0, len(text)))]
    elif kind == "delete":
        char = draw(st.sampled_from(list("{}[]\":=,'")))
        text = text.replace(char, "", draw(st.integers(1, 5)))
    elif kind == "duplicate":
        lines = text.splitlines()
        i = draw(st.integers(0, len(lines) - 1))
        lines.insert(i, lines[i])
        text = "\n".join(lines)
    elif kind == "insert":
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.text(max_size=30)) + text[at:]
    elif kind == "nest":
        depth = draw(st.integers(50, 400))
        text = text + "\n" + ("[" * depth if suffix.endswith("json") else "x = " + "[" * depth)
    else:
        text = text.replace('"', "'").replace("true", "[]").replace("sts:", "{}")
    return "." + suffix.split(".")[-1], text


def _scan(tmp_path, name: str, content) -> list:
    for old in tmp_path.iterdir():
        if old.is_file():
            old.unlink()
    (tmp_path / ".git").mkdir(exist_ok=True)
    target = tmp_path / name
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        target.write_text(content, encoding="utf-8", errors="surrogatepass")
    (tmp_path / "good.tf").write_text(GOOD + 'resource "aws_iam_access_key" "k" {\n  user = "u"\n}\n')
    cwd = os.getcwd()
    os.chdir(tmp_path)
    try:
        result = run_scan(ScanOptions(paths=["."]))
    finally:
        os.chdir(cwd)
    return result.findings


@given(mutated())
def test_mutations_of_valid_files_never_crash(tmp_path_factory, case):
    suffix, text = case
    tmp_path = tmp_path_factory.mktemp("fuzz")
    findings = _scan(tmp_path, "target" + suffix, text)
    # Whatever happened to the mutated file, the other file was still analysed.
    assert any(f.rule_id == "TL006" and f.path == "good.tf" for f in findings)
    for finding in findings:
        assert finding.span.line >= 1 and finding.span.column >= 1


@given(st.sampled_from([".tf", ".yaml", ".json"]), st.binary(max_size=400))
def test_random_bytes_never_crash(tmp_path_factory, suffix, data):
    tmp_path = tmp_path_factory.mktemp("fuzz")
    findings = _scan(tmp_path, "target" + suffix, b"AssumeRole " + data)
    assert any(f.rule_id == "TL006" and f.path == "good.tf" for f in findings)
