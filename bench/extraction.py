"""Benchmark of reading real documents: deadlines, opening dates, places and item counts.

    python -m bench extraction [--files]

Reads ``../shared/realworld/extraction/`` (beside the project's folder; absent: says so and stops). Each text
page goes through the watch's own parsing as an HTML source (item ``article.post``, title ``h2.post-title``,
link ``a.permalink``, date ``.post-date``, summary ``.post-content``), each feed and calendar through
``parse_feed`` / ``parse_ical``: the collector's ``watch.parse.parse_body`` and its enrichment, with the bundled
taxonomy's themes and zones and a territory per French département. The results are compared with the key
(``answers.json``): a deadline is right when it is the key's ``deadline``, one of its ``other_deadlines`` or one
of its ``deadline_alternatives``; a date given where the key has none and no alternative is *invented*.

The reference column is the same measure on the code of ``BASELINE`` (main before the rewrite of the date
reading), extracted with ``git archive`` into a temporary folder and run there in a child process;
``RELAIS_BENCH_BASELINE=<commit>`` chooses another, ``RELAIS_BENCH_BASELINE=none`` skips it.
The reference date is fixed and far from the documents' dates, so that a date read without its year shows.
``--smoke``: the small corpus of ``bench/smoke_corpus/extraction`` instead (two pages written for it, the demo's
feed and calendar), no reference column.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import tomllib
from collections import defaultdict
from collections.abc import Iterable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
SMOKE = os.environ.get("RELAIS_BENCH_SMOKE") == "1"  # read here: the reference runs this module on an older tree
CORPUS = (
    ROOT / "bench" / "smoke_corpus" / "extraction" if SMOKE else ROOT.parent / "shared" / "realworld" / "extraction"
)
BASELINE = "81a7749"  # main at the start of issue 14's date work
REFERENCE = datetime(2031, 6, 15, 8, 0, tzinfo=UTC)
CALENDAR_REFERENCE = datetime(2000, 1, 1, tzinfo=UTC)  # calendars: every occurrence from 2000 on, over 50 years
HTML_OPTIONS = {
    "item": "article.post",
    "title": "h2.post-title",
    "link": "a.permalink",
    "date": ".post-date",
    "summary": ".post-content",
}
TARGETS = {"deadline recall": 0.90, "deadline precision": 0.97, "département precision": 0.97}


# --- measuring (runs on the code under test; for the reference, on a copy of the baseline's code) ---------------


def _rules() -> Any:
    from bench.places_fr import DEPARTEMENTS
    from watch.tags import Rule, compile_rules

    taxonomy = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8")).get("taxonomy", {})
    rules = [Rule(t["slug"], "thème", t.get("keywords") or [t["label"]]) for t in taxonomy.get("themes", [])]
    rules += [Rule(t["slug"], "zone", t.get("keywords") or [t["label"]]) for t in taxonomy.get("zones", [])]
    bundled = {t["slug"]: t for t in taxonomy.get("territories", [])}
    for code, name in DEPARTEMENTS:  # the bundled ones keep their towns as keywords
        rules.append(Rule(code, "territoire", bundled.get(code, {}).get("keywords") or [name]))
    return compile_rules(rules)


def _iso(value: Any) -> str | None:
    return value.isoformat()[:10] if isinstance(value, date) else None


def measure(corpus: Path) -> dict[str, Any]:
    """One record per document of the key: what the watch read from it."""
    from core.errors import FetchError
    from core.model import ItemKind, Source, SourceKind
    from watch.parse import parse_body

    rules = _rules()
    key = json.loads((corpus / "answers.json").read_text(encoding="utf-8"))
    records = []
    for doc in key:
        path = corpus.parent / doc["file"]
        body = path.read_bytes()
        kind = {"html-text": SourceKind.HTML, "feed": SourceKind.FEED, "icalendar": SourceKind.ICAL}[doc["type"]]
        item_kind = doc.get("kind") if doc.get("kind") in set(ItemKind) else "news"
        options: dict[str, Any] = dict(HTML_OPTIONS) if kind == SourceKind.HTML else {}
        if kind == SourceKind.ICAL:
            options = {"window_days": 365 * 50, "max_occurrences": 100_000}
        source = Source(
            name=path.name,
            url=f"http://127.0.0.1/{doc['file']}",
            kind=kind,
            item_kind=ItemKind(item_kind),
            options=options,
        )
        reference = CALENDAR_REFERENCE if kind == SourceKind.ICAL else REFERENCE
        record: dict[str, Any] = {"file": doc["file"], "type": doc["type"], "error": None, "items": []}
        try:
            entries = parse_body(source, body, source.url, None, reference=reference, rules=rules)
        except FetchError as exc:
            record["error"] = str(exc)[:200]
            entries = []
        for entry in entries:
            item = entry.item
            record["items"].append(
                {
                    "id": entry.source_item_id,
                    "title": item.title,
                    "deadline": _iso(item.deadline),
                    "opening": _iso(item.opening_date),
                    "tags": [[t.tag, t.reason] for t in item.suggested_tags],
                    "origins": {k: v for k, v in item.field_origins.items() if k in ("deadline", "opening_date")},
                }
            )
        records.append(record)
    return {"records": records}


# --- scoring -----------------------------------------------------------------------------------------------------


def _fold(text: str) -> str:
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", text.replace("’", "'"))
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold().replace("-", " ").strip()


class Ratio:
    def __init__(self) -> None:
        self.hit = 0
        self.total = 0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.hit += ok

    def __str__(self) -> str:
        if not self.total:
            return "n/a"
        return f"{100 * self.hit / self.total:.0f} % ({self.hit}/{self.total})"

    @property
    def value(self) -> float | None:
        return self.hit / self.total if self.total else None


def score(measured: dict[str, Any], corpus: Path) -> tuple[dict[str, Any], list[str]]:
    """Figures by name, and one line per miss (file: what was expected, what was read)."""
    from bench.places_fr import DEPARTEMENTS, ZONE_PLACES

    taxonomy = tomllib.loads((ROOT / "config.toml").read_text(encoding="utf-8")).get("taxonomy", {})
    zone_words = {
        t["slug"]: [t["label"], *t.get("keywords", []), *ZONE_PLACES.get(t["slug"], [])]
        for t in taxonomy.get("zones", [])
    }
    dept_names = {code: _fold(name) for code, name in DEPARTEMENTS}
    all_depts = set(dept_names.values())
    key = {doc["file"]: doc for doc in json.loads((corpus / "answers.json").read_text(encoding="utf-8"))}
    f: dict[str, Any] = defaultdict(Ratio)
    counts: dict[str, int] = defaultdict(int)
    misses: list[str] = []
    for rec in measured["records"]:
        doc = key[rec["file"]]
        name = Path(rec["file"]).name
        if rec["error"]:
            counts[f"{doc['type']} refused"] += 1
            misses.append(f"{name}: refused: {rec['error']}")
        if doc["type"] == "feed":
            f["feed items"].add(len(rec["items"]) == doc["expected_items"])
            counts["feed items read"] += len(rec["items"])
            counts["feed items expected"] += doc["expected_items"]
            counts["feed/calendar deadlines given"] += sum(1 for i in rec["items"] if i["deadline"])
            continue
        if doc["type"] == "icalendar":
            from icalendar import Calendar

            cal = Calendar.from_ical((corpus.parent / rec["file"]).read_bytes())
            uids = {str(ev.get("UID")) for ev in cal.walk("VEVENT") if ev.get("UID")}  # a UID-less one: no key
            got = {i["id"].split("#")[0] for i in rec["items"]}
            f["calendar events kept (UIDs)"].add(uids <= got)
            counts["calendar VEVENTs expected"] += doc["expected_vevents"]
            counts["calendar UIDs expected"] += len(uids)
            counts["calendar UIDs read"] += len(uids & got)
            counts["calendar items"] += len(rec["items"])
            counts["feed/calendar deadlines given"] += sum(1 for i in rec["items"] if i["deadline"])
            continue
        f["page items"].add(len(rec["items"]) == doc["expected_items"])
        for want, got in zip(doc["items"], rec["items"] + [None] * len(doc["items"]), strict=False):
            _score_item(f, counts, misses, name, doc["kind"], want, got, dept_names, all_depts, zone_words)
    return {"ratios": dict(f), "counts": dict(counts)}, misses


def _score_item(
    f: dict[str, Ratio],
    counts: dict[str, int],
    misses: list[str],
    name: str,
    kind: str,
    want: dict[str, Any],
    got: dict[str, Any] | None,
    dept_names: dict[str, str],
    all_depts: set[str],
    zone_words: dict[str, list[str]],
) -> None:
    got = got or {"deadline": None, "opening": None, "tags": [], "origins": {}}
    accepted = {d for d in [want["deadline"], *want.get("other_deadlines", []), *want.get("deadline_alternatives", [])]
                if d}  # fmt: skip
    deadline = got["deadline"]
    if want["deadline"]:
        for label in ("deadline recall", f"deadline recall, {kind}"):
            f[label].add(deadline in accepted)
    if deadline:
        for label in ("deadline precision", f"deadline precision, {kind}"):
            f[label].add(deadline in accepted)
        if not accepted:
            counts["invented deadlines"] += 1
    if deadline not in accepted and (deadline or want["deadline"]):
        why = got["origins"].get("deadline", "")
        misses.append(f"{name}: deadline {want['deadline']} (or {sorted(accepted - {want['deadline']})}), read "
                      f"{deadline} {why[:140]!r}")  # fmt: skip
    opening = got["opening"]
    if want["opening"]:
        f["opening recall"].add(opening == want["opening"])
    if opening:
        f["opening precision"].add(opening == want["opening"])
        if not want["opening"]:
            counts["invented openings"] += 1
    if opening != want["opening"]:
        misses.append(f"{name}: opening {want['opening']}, read {opening} {got['origins'].get('opening_date', '')!r}")
    places = {_fold(p) for p in want["places"]}
    depts = {code for code, _ in got["tags"] if code in dept_names}
    for code in depts:
        f["département precision"].add(dept_names[code] in places)
        if dept_names[code] not in places:
            misses.append(f"{name}: département {code} suggested, places {want['places']}")
    found = {dept_names[c] for c in depts}
    for place in places & all_depts:
        f["département recall"].add(place in found)
    for tag, _ in got["tags"]:
        if tag in zone_words:
            right = any(_fold(w) in places for w in zone_words[tag])
            f["zone precision"].add(right)
            if not right:
                misses.append(f"{name}: zone {tag} suggested, places {want['places']}")


# --- the reference: the same measure on the baseline's code --------------------------------------------------------


def baseline(commit: str, corpus: Path) -> dict[str, Any] | None:
    """The measure on ``commit``'s code: its tree extracted into a temporary folder, this module copied there."""
    with tempfile.TemporaryDirectory() as tmp:
        archive = subprocess.run(["git", "-C", str(ROOT), "archive", commit], capture_output=True, check=False)
        if archive.returncode != 0:
            print(f"reference: cannot read commit {commit}: {archive.stderr.decode().strip()}")
            return None
        subprocess.run(["tar", "-x", "-C", tmp], input=archive.stdout, check=True)
        for name in ("extraction.py", "places_fr.py"):
            (Path(tmp) / "bench" / name).write_bytes((ROOT / "bench" / name).read_bytes())
        (Path(tmp) / "config.toml").write_bytes((ROOT / "config.toml").read_bytes())
        env = {**os.environ, "PYTHONPATH": tmp}
        done = subprocess.run(
            [sys.executable, "-m", "bench.extraction", "--measure", str(corpus)],
            cwd=tmp,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            print(f"reference: the run on {commit} failed: {done.stderr.strip().splitlines()[-1:]}")
            return None
        result: dict[str, Any] = json.loads(done.stdout)
        return result


# --- the table -----------------------------------------------------------------------------------------------------


def _rows(now: dict[str, Any], ref: dict[str, Any] | None) -> Iterable[tuple[str, str, str, str]]:
    def ratio(s: dict[str, Any] | None, name: str) -> str:
        return "" if s is None else str(s["ratios"].get(name, Ratio()))

    def count(s: dict[str, Any] | None, name: str) -> str:
        return "" if s is None else str(s["counts"].get(name, 0))

    names = sorted({*now["ratios"], *(ref or {"ratios": {}})["ratios"]})
    order = [
        "deadline recall", "deadline precision", "opening recall", "opening precision", "département recall",
        "département precision", "zone precision", "page items", "feed items", "calendar events kept (UIDs)",
    ]  # fmt: skip
    targets = {"deadline recall": "≥ 90 %", "deadline precision": "≥ 97 %", "département precision": "≥ 97 %"}
    for name in order + [n for n in names if n not in order]:
        yield name, ratio(now, name), ratio(ref, name), targets.get(name, "")
    for name, target in [
        ("invented deadlines", "0"),
        ("invented openings", "0"),
        ("feed/calendar deadlines given", "0"),
        ("feed items read", ""),
        ("feed items expected", ""),
        ("calendar UIDs read", ""),
        ("calendar UIDs expected", ""),
        ("calendar VEVENTs expected", ""),
        ("calendar items", ""),
        ("feed refused", "0"),
        ("icalendar refused", "0"),
    ]:
        yield name, count(now, name), count(ref, name), target


def report(now: dict[str, Any], ref: dict[str, Any] | None, commit: str) -> None:
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nextraction: {CORPUS} (reference date {REFERENCE.date()}; load average {load})")
    rows = [("measure", "Relais now", f"main at {commit}" if ref else "reference", "target"), *_rows(now, ref)]
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    for j, r in enumerate(rows):
        print("| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |")
        if j == 0:
            print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    ratios, counts = now["ratios"], now["counts"]
    verdicts = {f"{name} ≥ {goal:.0%}": ((ratios.get(name) or Ratio()).value or 0.0) >= goal
                for name, goal in TARGETS.items()}  # fmt: skip
    verdicts["0 invented dates"] = counts.get("invented deadlines", 0) + counts.get("invented openings", 0) == 0
    print("  ".join(f"{'✓' if ok else '✗'} {name}" for name, ok in verdicts.items()))


def main() -> None:
    if not (CORPUS / "answers.json").is_file():
        print(f"extraction: skipped, no corpus at {CORPUS}")
        return
    measured = measure(CORPUS)
    now, misses = score(measured, CORPUS)
    commit = "none" if SMOKE else os.environ.get("RELAIS_BENCH_BASELINE", BASELINE)
    ref = None
    if commit != "none":
        old = baseline(commit, CORPUS)
        ref = score(old, CORPUS)[0] if old else None
    report(now, ref, commit)
    if misses:
        print(f"\nwhat the key says and Relais did not read ({len(misses)}):")
        for line in misses if "--files" in sys.argv else misses[:60]:
            print("  " + line)


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        print(json.dumps(measure(Path(sys.argv[2]))))
    else:
        main()
