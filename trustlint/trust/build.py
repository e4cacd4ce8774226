"""From resources to trusts: the one place the trust layer takes what the readers found.

Readers append `resources.AwsRole` and `resources.AzureCredentials` to the model in reading
order, and GCP's two halves (providers and grants) to their own lists; this module turns them
into `TrustRelationship`s with each cloud's semantics, in that same order, so the readers
never call cloud semantics themselves.
"""

from __future__ import annotations

from ..model import ScanModel
from ..resources import AwsRole, AzureCredentials


def build_trusts(model: ScanModel) -> None:
    """Turn the resources read so far into trusts (and public trusts); empties model.resources."""
    for resource in model.resources:
        first_trust, first_public = len(model.trusts), len(model.public)
        if isinstance(resource, AwsRole):
            from .aws import build_role  # each cloud's semantics only when the scan has its resources

            build_role(resource.role, resource.providers, model)
            related = resource.role.related
        elif isinstance(resource, AzureCredentials):
            from .azure import build_trusts as build_azure_trusts

            build_azure_trusts(resource.credentials, model)
            related = resource.related
        else:
            raise TypeError(f"not a trust resource: {type(resource).__name__}")
        for item in model.trusts[first_trust:] + model.public[first_public:]:
            item.related.extend(related)  # the module calls that instantiate it
        model.judged_resources += 1
    model.resources.clear()


def join_gcp(model: ScanModel) -> None:
    """Pair every GCP grant with every provider of the pool it names, once all files are read
    (a provider no grant reaches is judged on its own)."""
    if model.gcp_providers:
        from .gcp import join

        join(model.gcp_providers, model.gcp_grants, model)
