"""Configuration: `.trustlint.yaml` or `[tool.trustlint]` in pyproject.toml at the repository
root (or `--config FILE`), validated against schemas/config.schema.json."""

from __future__ import annotations

import json
import os
import re

from ..input.discovery import CONFIG_FILES


class ConfigError(Exception):
    """An unusable configuration: says which file and which field."""


def _read(path: str, root: str | None = None) -> dict:
    """A configuration file's settings. Never read through a link out of the repository (its
    content would reach error messages), nor a FIFO or device, nor past the size limit."""
    from ..input.discovery import DEFAULT_MAX_BYTES
    from ..source import read_up_to

    if root is not None and os.path.islink(path):
        real, real_root = os.path.realpath(path), os.path.realpath(root)
        if not real.startswith(real_root + os.sep):
            raise ConfigError(f"{os.path.basename(path)}: a symbolic link out of the repository; not read")
    if not os.path.isfile(path):
        raise ConfigError(f"{path}: not a regular file; not read")
    try:
        with open(path, "rb") as handle:
            data = read_up_to(handle, DEFAULT_MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None
    if len(data) > DEFAULT_MAX_BYTES:
        raise ConfigError(f"{path}: larger than {DEFAULT_MAX_BYTES} bytes; not read")
    return parse_config(data, path)


_MAX_VALUES = 10_000  # a configuration is a few dozen values; more is an alias bomb


def parse_config(data: bytes, path: str) -> dict:
    """The raw settings of a configuration file's content (not yet validated): YAML, or the
    [tool.trustlint] table of a pyproject.toml."""
    if path.endswith(".toml"):
        try:
            import tomllib
        except ImportError:  # Python 3.10: pyproject configuration needs 3.11's tomllib
            return {}
        try:
            loaded = tomllib.loads(data.decode("utf-8")).get("tool", {}).get("trustlint", {})
        except (UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
    else:
        import yaml

        try:
            loaded = yaml.safe_load(data.decode("utf-8-sig"))
        except (UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:
            raise ConfigError(f"{path}: cannot read: {exc}") from None
    if loaded is None:
        return {}
    if not isinstance(loaded, dict):
        raise ConfigError(f"{path}: field (top level): the configuration must be a mapping")
    try:
        return _plain(loaded, [_MAX_VALUES])
    except RecursionError:
        raise ConfigError(f"{path}: nested too deeply") from None
    except ValueError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _plain(value, budget: list[int]):
    """A copy with dates as text (YAML and TOML read `expires: 2027-01-31` as a date; the schema
    sees text) and integral floats as integers (`3600.0` is what a reader means by 3600),
    bounded: aliases expanding past _MAX_VALUES values are refused."""
    import datetime

    budget[0] -= 1
    if budget[0] < 0:
        raise ValueError(f"more than {_MAX_VALUES} values (aliases expanding?)")
    if isinstance(value, dict):
        return {k: _plain(v, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, budget) for v in value]
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer() and abs(value) < 2 ** 53:
        return int(value)
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
    data = _read(path, root)
    return validated(data, path), path


def validated(data: dict, path: str) -> dict:
    """The configuration checked against its schema, with paths made absolute from `path`'s folder."""
    import jsonschema

    with open(os.path.join(os.path.dirname(os.path.dirname(os.path.realpath(__file__))), "schemas", "config.schema.json"),
              encoding="utf-8") as handle:
        schema = json.loads(handle.read())
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
