"""Build typed dataclasses from parsed TOML, refusing unknown keys and wrong types by name."""

from __future__ import annotations

import dataclasses
import enum
import types
import typing
from typing import Any, TypeVar, Union

from core.errors import ConfigError

T = TypeVar("T")


def build(cls: type[T], data: Any, *, where: str, key: str = "", skip: set[str] | None = None) -> T:
    """Instantiate dataclass ``cls`` from ``data``; errors read ``file: key.path: what is wrong``."""
    if not isinstance(data, dict):
        raise ConfigError(
            f"{where}: {key or '(racine)'}: une table est attendue, pas {_kind(data)}",
            code="config_not_a_table",
            where=where,
            key=key or "(racine)",
        )
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name not in (skip or set())}  # type: ignore[arg-type]
    for name in data:
        if name not in fields:
            full = f"{key}.{name}" if key else name
            known = ", ".join(sorted(fields))
            raise ConfigError(
                f"{where}: clé inconnue {full!r} (connues ici : {known})",
                code="config_unknown_key",
                where=where,
                key=full,
                known=known,
            )
    values: dict[str, Any] = {}
    for name, f in fields.items():
        full = f"{key}.{name}" if key else name
        if name in data:
            values[name] = _convert(hints[name], data[name], where=where, key=full)
        elif f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise ConfigError(
                f"{where}: {full}: clé obligatoire absente", code="config_missing_key", where=where, key=full
            )
    return cls(**values)


def _convert(tp: Any, value: Any, *, where: str, key: str) -> Any:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if origin in (Union, types.UnionType):
        inner = [a for a in args if a is not type(None)]
        if value is None:
            return None
        return _convert(inner[0], value, where=where, key=key)
    if dataclasses.is_dataclass(tp) and isinstance(tp, type):
        return build(tp, value, where=where, key=key)
    if origin is list:
        if not isinstance(value, list):
            raise _wrong(where, key, "une liste", value)
        return [_convert(args[0], v, where=where, key=f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(where, key, "une table", value)
        return {k: _convert(args[1], v, where=where, key=f"{key}.{k}") for k, v in value.items()}
    if tp is Any:
        return value
    if tp is bool:
        if not isinstance(value, bool):
            raise _wrong(where, key, "true ou false", value)
        return value
    if tp is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _wrong(where, key, "un nombre entier", value)
        return value
    if tp is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise _wrong(where, key, "un nombre", value)
        return float(value)
    if isinstance(tp, type) and issubclass(tp, enum.StrEnum):
        allowed = [m.value for m in tp]
        if not isinstance(value, str) or value not in allowed:
            raise ConfigError(
                f"{where}: {key}: l'une de {', '.join(allowed)}, pas {value!r}",
                code="config_choice",
                where=where,
                key=key,
                allowed=", ".join(allowed),
                value=value,
            )
        return tp(value)
    if tp is str:
        if not isinstance(value, str):
            raise _wrong(where, key, "un texte entre guillemets", value)
        return value
    raise ConfigError(f"{where}: {key}: unsupported setting type {tp!r}")  # pragma: no cover


def _kind(value: Any) -> str:
    return {
        bool: "un booléen",
        int: "un nombre",
        float: "un nombre",
        str: "un texte",
        list: "une liste",
        dict: "une table",
    }.get(type(value), type(value).__name__)


def _wrong(where: str, key: str, expected: str, value: Any) -> ConfigError:
    """``expected`` and the kind found are French: the operator who wrote the file reads them."""
    return ConfigError(
        f"{where}: {key}: {expected} attendu, pas {_kind(value)} {value!r}",
        code="config_wrong_type",
        where=where,
        key=key,
        expected=expected,
        found=f"{_kind(value)} {value!r}",
    )
