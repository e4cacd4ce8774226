"""Configuration: `.trustlint.yaml` or `[tool.trustlint]` in pyproject.toml at the repository
root (or `--config FILE`), validated against schemas/config.schema.json."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

from ..input.discovery import CONFIG_FILES


class ConfigError(Exception):
    """An unusable configuration: says which file and which field."""


def _read(path: str) -> dict:
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return parse_config(data, path)


def parse_config(data: bytes, path: str) -> dict:
    """The raw settings of a configuration file's content (not yet validated): YAML, or the
    [tool.trustlint] table of a pyproject.toml."""
    if path.endswith(".toml"):
        try:
            import tomllib
        except ImportError:  # Python 3.10: pyproject configuration needs 3.11's tomllib
            return {}
        try:
            return tomllib.loads(data.decode("utf-8")).get("tool", {}).get("trustlint", {})
        except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
    import yaml

    try:
        loaded = yaml.safe_load(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if loaded is not None and not isinstance(loaded, dict):
        raise ConfigError(f"{path}: field (top level): the configuration must be a mapping")
    return _dates_as_text(loaded) if loaded is not None else {}


def _dates_as_text(value):
    """YAML reads `expires: 2027-01-31` as a date; the schema (and TOML users) see text."""
    import datetime

    if isinstance(value, dict):
        return {k: _dates_as_text(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dates_as_text(v) for v in value]
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def _config_in(directory: str) -> str | None:
    for name in CONFIG_FILES:
        path = os.path.join(directory, name)
        if os.path.isfile(path):
            return path
    pyproject = os.path.join(directory, "pyproject.toml")
    if os.path.isfile(pyproject):
        with open(pyproject, "rb") as handle:
            if b"[tool.trustlint]" in handle.read():
                return pyproject
    return None


def find_config(root: str) -> str | None:
    """The repository's one configuration: at its root. A configuration file in a folder below
    is not obeyed (a change could drop one beside the trust it widens) and is reported (TL009)."""
    return _config_in(os.path.realpath(root))


def load_config(root: str, explicit: str | None = None) -> tuple[dict, str | None]:
    """The validated configuration and the file it came from ({} and None when there is none)."""
    path = explicit or find_config(root)
    if path is None:
        return {}, None
    if explicit and not os.path.isfile(explicit):
        raise ConfigError(f"{explicit}: configuration file not found")
    data = _read(path)
    return validated(data, path), path


def validated(data: dict, path: str) -> dict:
    """The configuration checked against its schema, with paths made absolute from `path`'s folder."""
    import jsonschema

    schema = json.loads((Path(__file__).resolve().parent.parent / "schemas" / "config.schema.json").read_text(encoding="utf-8"))
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        where = "/".join(str(p) for p in errors[0].absolute_path) or "(top level)"
        raise ConfigError(f"{path}: field {where}: {errors[0].message}")
    for key, pattern in data.get("tiers", {}).items():
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{path}: field tiers/{key}: invalid regular expression: {exc}") from None
    base = os.path.dirname(os.path.abspath(path))
    data["rules"] = [os.path.join(base, d) for d in data.get("rules", [])]
    if "baseline" in data:
        data["baseline"] = os.path.join(base, data["baseline"])
    return data
