"""Formats: one module per file format other than Terraform source: CloudFormation (and plain
trust policy JSON; its intrinsic functions in cfn_intrinsics.py), ARM and Azure credential
JSON, Bicep, gcloud exports, GitHub workflows, GitLab CI. `parse_file` dispatches one discovered
file by its content (Terraform plan JSON goes to terraform.plan); Bicep files are read together
(`parse_bicep_files`: a caller passes its parameters to the modules it calls); Terraform source
is read per configuration by terraform.configuration.

May import: the vocabulary, input/ and terraform/ (plan JSON only).
"""

from __future__ import annotations

from ..errors import AnalysisError, internal_error
from ..model import Location, Problem, ScanModel
from ..resources import AzureCredentials
from ..source import FILE_START, SourceFile


def _parse_yaml(source: SourceFile) -> ScanModel:
    from ..input.yamlpos import load_yaml_documents

    model = ScanModel()
    for document in load_yaml_documents(source):
        model.extend(_parse_document(document, source))
    return model


def _parse_document(document, source: SourceFile) -> ScanModel:
    from ..terraform import plan as terraform_plan
    from . import arm, cloudformation, gcloud, github_workflow, gitlab_ci

    if terraform_plan.is_plan(document):
        return terraform_plan.scan_plan(document, source)

    if github_workflow.is_workflow(document, source.path):
        return github_workflow.scan_workflow(document, source)
    if gitlab_ci.is_gitlab_ci(document, source.path):
        return gitlab_ci.scan_gitlab_ci(document, source)

    if cloudformation.is_template(document):
        return cloudformation.scan_template(document, source)
    serverless = _serverless_resources(document)
    if serverless is not None:
        return cloudformation.scan_template(serverless, source)
    if arm.is_arm_template(document) or arm.is_fic_file(document):
        fics = arm.scan_arm(document, source) if arm.is_arm_template(document) else arm.scan_fic_file(document, source)
        return ScanModel(resources=[AzureCredentials(fics)])
    if gcloud.is_gcloud_document(document):
        return gcloud.scan_gcloud(document, source)
    if source.path.endswith(".json") and cloudformation.is_trust_policy(document):
        return cloudformation.scan_policy_file(document, source)
    return ScanModel()


def _serverless_resources(document):
    """The CloudFormation a Serverless Framework service adds (`resources: {Resources: …}`)."""
    from . import cloudformation

    if not isinstance(document.value, dict) or "service" not in document.value:
        return None
    resources = document.get("resources")
    if resources is None or not isinstance(resources.value, dict):
        return None
    return resources if cloudformation.is_template(resources) else None


def _parse_json(source: SourceFile) -> ScanModel:
    from ..input.jsonpos import load_json

    return _parse_document(load_json(source), source)


PARSERS = {"yaml": _parse_yaml, "json": _parse_json}


def parse_bicep_files(sources: list[SourceFile]) -> ScanModel:
    """Model of the scan's Bicep files (pycep-parser is imported only when one is parsed)."""
    from .bicep import scan_bicep_files

    try:
        return scan_bicep_files(sources)
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the scan nor pass silently
        return ScanModel(problems=[Problem(Location(s.path, FILE_START), internal_error(exc)) for s in sources])


def parse_file(kind: str, source: SourceFile) -> ScanModel:
    """Model of one file; a file that cannot be analysed yields a Problem, never an exception."""
    model = ScanModel()
    try:
        return PARSERS[kind](source)
    except AnalysisError as exc:
        model.problems.append(Problem(Location(source.path, exc.span), exc.message))
    except RecursionError:
        model.problems.append(Problem(Location(source.path, FILE_START), "document nested too deeply to analyse"))
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the scan nor pass silently
        model.problems.append(Problem(Location(source.path, FILE_START), internal_error(exc)))
    return model
