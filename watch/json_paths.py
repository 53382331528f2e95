"""A JSON API's field mapping, guessed: the largest list of objects is the item list, and each field is the path
whose key has a usual name (``title``, ``url``, ``closing``…). Pure; discovery proposes the result as an ordinary
``json`` source that the editor checks in the form, with its preview.
"""

from __future__ import annotations

from typing import Any

MAX_DEPTH = 4
# Field -> usual key names, best first (compared lower case, without "_" and "-").
NAMES: dict[str, tuple[str, ...]] = {
    "id": ("id", "uuid", "guid", "identifier", "identifiant"),
    "title": ("title", "titre", "name", "nom", "headline", "label", "intitule"),
    "url": ("urlalias", "url", "link", "lien", "permalink", "weburl", "htmlurl", "href"),
    "summary": ("summary", "resume", "description", "body", "excerpt", "content", "text"),
    "deadline": ("closing", "deadline", "datelimite", "validthrough", "closingdate", "datecloture", "expires"),
    "published": ("published", "datepublished", "dateposted", "created", "publishedat", "createdat", "date"),
    "starts_at": ("startdate", "start", "startsat", "debut", "datedebut"),
    "ends_at": ("enddate", "end", "endsat", "fin", "datefin"),
    "country": ("countryname", "country", "pays"),
    "place": ("location", "place", "lieu", "city", "ville", "address"),
}


def _key(name: str) -> str:
    return name.lower().replace("_", "").replace("-", "")


def item_list(doc: Any) -> tuple[str, list[dict[str, Any]]] | None:
    """(dotted path, list) of the largest list of objects within ``MAX_DEPTH`` keys; "" is the document itself."""
    best: tuple[str, list[dict[str, Any]]] | None = None
    stack: list[tuple[str, Any, int]] = [("", doc, 0)]
    while stack:
        path, value, depth = stack.pop()
        if isinstance(value, list):
            objects = [v for v in value if isinstance(v, dict)]
            if len(objects) >= 2 and len(objects) >= len(value) / 2 and (best is None or len(objects) > len(best[1])):
                best = (path, objects)
        elif isinstance(value, dict) and depth < MAX_DEPTH:
            for k, v in value.items():
                if isinstance(k, str) and "." not in k:
                    stack.append((f"{path}.{k}" if path else k, v, depth + 1))
    return best


def _leaves(obj: Any, prefix: str = "", depth: int = 0) -> list[tuple[str, Any]]:
    """(dotted path, value) of every scalar under ``obj``; a list of objects is crossed (``country.name``)."""
    out: list[tuple[str, Any]] = []
    if depth > MAX_DEPTH:
        return out
    if isinstance(obj, dict):
        for k, v in obj.items():
            if isinstance(k, str) and "." not in k:
                out += _leaves(v, f"{prefix}.{k}" if prefix else k, depth + 1)
    elif isinstance(obj, list) and obj:
        out += _leaves(obj[0], prefix, depth + 1)
    elif obj is not None and prefix:
        out.append((prefix, obj))
    return out


def field_paths(objects: list[dict[str, Any]]) -> dict[str, str]:
    """The mapping of fields to paths, for the keys present in most of the objects."""
    counts: dict[str, int] = {}
    for obj in objects[:20]:
        for path, _ in _leaves(obj):
            counts[path] = counts.get(path, 0) + 1
    common = [p for p, n in counts.items() if n >= 0.6 * min(len(objects), 20)]
    out: dict[str, str] = {}
    taken: set[str] = set()
    for field, names in NAMES.items():
        for name in names:
            # the last key, or the last two joined ("country.name" -> "countryname", "date.closing" -> "closing")
            hits = [
                p
                for p in common
                if p not in taken and name in {_key(p.split(".")[-1]), _key("".join(p.split(".")[-2:]))}
            ]
            if hits:
                out[field] = min(hits, key=len)
                taken.add(out[field])
                break
    return out


def guess(doc: Any) -> dict[str, str] | None:
    """A ``json`` source's options for ``doc``, or None when it holds no list of objects with a title."""
    found = item_list(doc)
    if found is None:
        return None
    path, objects = found
    fields = field_paths(objects)
    if "title" not in fields:
        return None
    return ({"items": path} if path else {}) | fields


__all__ = ["field_paths", "guess", "item_list"]
