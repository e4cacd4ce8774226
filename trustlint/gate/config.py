"""Configuration: `.trustlint.yaml` or `[tool.trustlint]` in pyproject.toml at the repository
root (or `--config FILE`), validated against schemas/config.schema.json."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

CONFIG_FILES = (".trustlint.yaml", ".trustlint.yml")


class ConfigError(Exception):
    """An unusable configuration: says which file and which field."""


def _read(path: str) -> dict:
    if path.endswith(".toml"):
        try:
            import tomllib
        except ImportError:  # Python 3.10: pyproject configuration needs 3.11's tomllib
            return {}
        try:
            with open(path, "rb") as handle:
                return tomllib.load(handle).get("tool", {}).get("trustlint", {})
        except (OSError, tomllib.TOMLDecodeError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            data = yaml.safe_load(handle)
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    return _dates_as_text(data) if data is not None else {}


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


def find_config(root: str, start: str | None = None) -> str | None:
    """The configuration nearest to the scanned directory, looking up to the repository root
    (a monorepo's subproject can carry its own)."""
    directory = os.path.realpath(start or root)
    top = os.path.realpath(root)
    if not (directory == top or directory.startswith(top + os.sep)):
        directory = top
    while True:
        found = _config_in(directory)
        if found or directory == top:
            return found
        parent = os.path.dirname(directory)
        if parent == directory:
            return None
        directory = parent


def load_config(root: str, explicit: str | None = None, start: str | None = None) -> tuple[dict, str | None]:
    """The validated configuration and the file it came from ({} and None when there is none)."""
    path = explicit or find_config(root, start)
    if path is None:
        return {}, None
    if explicit and not os.path.isfile(explicit):
        raise ConfigError(f"{explicit}: configuration file not found")
    data = _read(path)
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
    return data, path
