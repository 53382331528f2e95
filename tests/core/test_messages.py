"""Every error code a raise site names has a French message, and that message is filled from the error's own
parameters (read from the source, so a new code without its French fails here, not on a staff member's page)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from core.errors import FetchError, InvalidInput, NotFound, RelaisError
from core.messages import HTTP_REASONS, MESSAGES, describe, known
from watch.outbound import OutboundRefused, Refusal

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ["core", "storage", "watch", "curation", "digest", "subscribers", "delivery", "figures", "admin", "relais"]


def raise_sites() -> list[tuple[str, str, set[str]]]:
    """(where, code, parameter names) of every call naming ``code="…"`` as a literal, and every literal code a
    function computing a code returns or reads from a ``…_CODES`` table beside it (watch.fetch.network_code), with
    the parameters of the call it feeds."""
    found = []
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            where = str(path.relative_to(ROOT))
            dynamic: dict[str, set[str]] = {}
            for node in ast.walk(tree):
                if not isinstance(node, ast.Call):
                    continue
                params = {k.arg for k in node.keywords if k.arg not in (None, "code")}
                for k in node.keywords:
                    if k.arg != "code":
                        continue
                    if isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                        found.append((f"{where}:{node.lineno}", k.value.value, params))
                    elif isinstance(k.value, ast.Call) and isinstance(k.value.func, ast.Name):
                        dynamic[k.value.func.id] = params
            tables = [
                n for n in tree.body if isinstance(n, ast.Assign) and ast.unparse(n.targets[0]).endswith("_CODES")
            ]
            for node in ast.walk(tree):
                if isinstance(node, ast.FunctionDef) and node.name in dynamic:
                    for sub in [*ast.walk(node), *(t for table in tables for t in ast.walk(table))]:
                        if isinstance(sub, ast.Return) and isinstance(sub.value, ast.Constant):
                            found.append((f"{where}:{sub.lineno}", str(sub.value.value), dynamic[node.name]))
                        if isinstance(sub, ast.Tuple) and len(sub.elts) == 2 and isinstance(sub.elts[1], ast.Constant):
                            found.append((f"{where}:{sub.lineno}", str(sub.elts[1].value), dynamic[node.name]))
                        if isinstance(sub, ast.Dict):
                            for value in sub.values:
                                if isinstance(value, ast.Constant):
                                    found.append((f"{where}:{value.lineno}", str(value.value), dynamic[node.name]))
    return found


SITES = raise_sites()


def test_the_source_names_codes_the_scan_can_see() -> None:
    codes = {code for _, code, _ in SITES}
    assert {"not_draft", "http_status", "timeout", "connection_refused", "issue_not_found"} <= codes
    assert len(SITES) > 60


@pytest.mark.parametrize(("where", "code", "params"), SITES, ids=[f"{w}-{c}" for w, c, _ in SITES])
def test_every_code_raised_has_a_french_message_filled_by_its_parameters(
    where: str, code: str, params: set[str]
) -> None:
    assert code in MESSAGES, f"{where}: code {code!r} has no French message in core/messages.py"
    fields = {name for _, name, _, _ in string.Formatter().parse(MESSAGES[code]) if name}
    derived = {"reason"} if code == "http_status" else set()
    assert fields - derived <= params, f"{where}: {code!r} needs {sorted(fields - derived - params)}"


@pytest.mark.parametrize("refusal", list(Refusal))
def test_every_outbound_refusal_reads_the_same_by_its_code(refusal: Refusal) -> None:
    error = OutboundRefused(refusal, "10.0.0.1")
    assert error.code == refusal and describe(error) == str(error)  # the policy's French, kept word for word


def test_every_template_parses_as_a_format_string() -> None:
    for code, template in MESSAGES.items():
        assert template.strip() and list(string.Formatter().parse(template)), code
    assert all(HTTP_REASONS.values())


def test_an_error_is_said_by_its_code_with_its_parameters() -> None:
    error = InvalidInput("item 7 is not in this issue", code="item_not_in_issue", item=7)
    assert str(error) == "item 7 is not in this issue"  # scripts and logs keep the English
    assert (error.code, error.params) == ("item_not_in_issue", {"item": 7})
    assert describe(error) == "L'élément 7 n'est pas dans ce numéro."
    assert describe(NotFound("issue 42 not found", code="issue_not_found", issue=42)) == "numéro « 42 » introuvable"


def test_an_http_status_says_what_it_means() -> None:
    assert describe(FetchError("HTTP 404 Not Found", code="http_status", status=404)) == "HTTP 404 : page introuvable"
    assert describe(FetchError("HTTP 418", code="http_status", status=418)) == "HTTP 418 : réponse en erreur"


def test_an_error_without_a_template_keeps_its_own_message() -> None:
    assert InvalidInput("x").code == "invalid_input" and RelaisError().code == "error"
    assert known(InvalidInput("Adresse invalide.")) is None
    assert describe(InvalidInput("Adresse invalide.")) == "Adresse invalide."
    assert known(ValueError("not ours")) is None


def test_the_catalogue_translates_by_code() -> None:
    english = {
        "L'élément {item} n'est pas dans ce numéro.": "Item {item} is not in this issue.",
        "HTTP {status} : {reason}": "HTTP {status}: {reason}",
        "page introuvable": "page not found",
    }
    gettext = lambda s: english.get(s, s)  # noqa: E731
    assert describe(InvalidInput("…", code="item_not_in_issue", item=3), gettext) == "Item 3 is not in this issue."
    assert describe(FetchError("…", code="http_status", status=404), gettext) == "HTTP 404: page not found"
    broken = {"L'élément {item} n'est pas dans ce numéro.": "Item {number} is missing."}
    said = describe(InvalidInput("…", code="item_not_in_issue", item=3), lambda s: broken.get(s, s))
    assert said == "L'élément 3 n'est pas dans ce numéro."  # a translation naming a wrong field falls back to French
