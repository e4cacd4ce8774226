"""Environment tiers (production / non-production) from names, tags, paths and claims."""

from __future__ import annotations

import re

from ..lazy_re import lazy

# Non-production is tested first: "nonprod", "preprod" and "non-production" contain "prod".
DEFAULT_NON_PRODUCTION = r"non[-_]?prod\w*|pre[-_]?prod\w*|dev|develop|development|stag|staging|stage|stg|test|testing|qa|uat|sandbox|sbx|preview"
DEFAULT_PRODUCTION = r"prod|production|prd|live"


_CAMEL_BOUNDARY = lazy(r"(?<=[a-z0-9])(?=[A-Z])")


class TierPatterns:
    def __init__(self, production: str = DEFAULT_PRODUCTION, non_production: str = DEFAULT_NON_PRODUCTION):
        boundary = r"(?:^|(?<=[^a-zA-Z0-9]))(?:{})(?=$|[^a-zA-Z])"
        self.production = lazy(boundary.format(production), re.IGNORECASE)
        self.non_production = lazy(boundary.format(non_production), re.IGNORECASE)

    def tier_of(self, text: str | None) -> str:
        """'production', 'non-production' or 'unknown' for one name, tag value or path."""
        if not text:
            return "unknown"
        text = _CAMEL_BOUNDARY.sub(" ", text)  # "GitHubRoleProd" -> "Git Hub Role Prod"
        if self.non_production.search(text):
            return "non-production"
        if self.production.search(text):
            return "production"
        return "unknown"

    def tier_of_names(self, names: list[str]) -> tuple[str, str]:
        """The tier the names agree on, with the name that decided it; mixed or none: unknown."""
        found = {}
        for name in names:
            tier = self.tier_of(name)
            if tier != "unknown":
                found.setdefault(tier, name)
        if len(found) == 1:
            tier, name = next(iter(found.items()))
            return tier, name
        return "unknown", ""


DEFAULT_TIERS = TierPatterns()
