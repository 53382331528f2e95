"""Public outputs for the network's website, as pure functions: the archive's Atom feed of sent issues, and the
approved items as JSON Feed 1.1, Atom and iCalendar (events). The web layer only fetches and serves them."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import icalendar

from core.model import Issue, Item, ItemKind
from core.settings import NetworkSettings
from core.text import strip_controls
from digest.view import absolute, one_line

ATOM = "http://www.w3.org/2005/Atom"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
EVENT_HOURS = 2  # an event with a start and no end lasts two hours in calendars


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _atom(
    title: str, feed_url: str, home: str, updated: datetime, entries: Sequence[dict[str, Any]], author: str
) -> str:
    ET.register_namespace("", ATOM)
    feed = ET.Element(f"{{{ATOM}}}feed")
    ET.SubElement(feed, f"{{{ATOM}}}title").text = title
    ET.SubElement(feed, f"{{{ATOM}}}id").text = feed_url
    ET.SubElement(feed, f"{{{ATOM}}}updated").text = _iso(updated)
    ET.SubElement(feed, f"{{{ATOM}}}link", href=feed_url, rel="self")
    ET.SubElement(feed, f"{{{ATOM}}}link", href=home, rel="alternate")
    ET.SubElement(ET.SubElement(feed, f"{{{ATOM}}}author"), f"{{{ATOM}}}name").text = author
    for e in entries:
        entry = ET.SubElement(feed, f"{{{ATOM}}}entry")
        # Collected text is cleaned on the way in; cleaned again here, because XML has no way to carry a control
        # character and one row stored before that guard would make the whole feed unreadable.
        ET.SubElement(entry, f"{{{ATOM}}}title").text = strip_controls(e["title"])
        ET.SubElement(entry, f"{{{ATOM}}}id").text = e["id"]
        ET.SubElement(entry, f"{{{ATOM}}}updated").text = _iso(e["updated"])
        if e.get("url"):
            ET.SubElement(entry, f"{{{ATOM}}}link", href=e["url"], rel="alternate")
        if e.get("summary"):
            ET.SubElement(entry, f"{{{ATOM}}}summary").text = strip_controls(e["summary"])
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(feed, encoding="unicode")


def archive_atom(
    issues: Sequence[Issue], network: NetworkSettings, *, feed_url: str, issue_url: Callable[[int], str], now: datetime
) -> str:
    """Sent issues, newest first, each linking to its archive page."""
    sent = sorted((i for i in issues if i.sent_at and i.id), key=lambda i: i.sent_at or now, reverse=True)
    entries = [
        {"title": i.subject, "id": issue_url(i.id or 0), "url": issue_url(i.id or 0), "updated": i.sent_at}
        for i in sent
    ]
    updated = sent[0].sent_at or now if sent else now
    home = feed_url.rsplit("/", 1)[0]
    return _atom(f"{network.newsletter_name} – archives", feed_url, home, updated, entries, network.name)


def _item_updated(item: Item, now: datetime) -> datetime:
    return item.updated_at or item.approved_at or item.collected_at or now


def _item_id(item: Item, home: str) -> str:
    return f"{home.rstrip('/')}/items/{item.id}"


def items_atom(items: Sequence[Item], network: NetworkSettings, *, feed_url: str, home: str, now: datetime) -> str:
    entries = [
        {
            "title": i.title,
            "id": _item_id(i, home),
            "url": absolute(i.url),
            "updated": _item_updated(i, now),
            "summary": one_line(i.summary),
        }
        for i in items
    ]
    updated = max((_item_updated(i, now) for i in items), default=now)
    return _atom(f"{network.name} – veille", feed_url, home, updated, entries, network.name)


def items_json_feed(
    items: Sequence[Item], network: NetworkSettings, *, feed_url: str, home: str, now: datetime
) -> dict[str, Any]:
    """JSON Feed 1.1, with Relais's own fields (kind, deadline, dates, place) under ``_relais``; départements
    are among the ``tags``."""
    out: list[dict[str, Any]] = []
    for i in items:
        entry: dict[str, Any] = {
            "id": _item_id(i, home),
            "title": strip_controls(i.title),  # like the Atom feed, whatever was stored
            "content_text": strip_controls(i.summary or i.title),
            "summary": strip_controls(one_line(i.summary)),
            "date_modified": _iso(_item_updated(i, now)),
            "tags": list(i.tags),
            "_relais": {
                "kind": str(i.kind),
                "deadline": i.deadline.isoformat() if i.deadline else None,
                "starts_at": _iso(i.starts_at) if i.starts_at else None,
                "ends_at": _iso(i.ends_at) if i.ends_at else None,
                "place": strip_controls(i.place) if i.place else i.place,
            },
        }
        if url := absolute(i.url):
            entry["url"] = url
        out.append(entry)
    return {
        "version": JSON_FEED_VERSION,
        "title": f"{network.name} – veille",
        "home_page_url": home,
        "feed_url": feed_url,
        "language": network.locale,
        "items": out,
    }


def events_ical(items: Sequence[Item], network: NetworkSettings, *, home: str, now: datetime) -> bytes:
    """The events with a start date as a calendar; an event without an hour is an all-day event."""
    cal = icalendar.Calendar()
    cal.add("prodid", f"-//Relais//{network.name}//FR")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", f"{network.name} – agenda")
    host = home.split("://", 1)[-1].split("/", 1)[0] or "relais"
    for i in items:
        if i.kind != ItemKind.EVENT or i.starts_at is None:
            continue
        ev = icalendar.Event()
        ev.add("uid", f"item-{i.id}@{host}")
        ev.add("dtstamp", now.astimezone(UTC))
        ev.add("summary", i.title)
        start = i.starts_at.astimezone(UTC)
        if start.time() == time(0, 0) and i.ends_at is None:
            day: date = i.starts_at.date()
            ev.add("dtstart", day)
            ev.add("dtend", day + timedelta(days=1))
        else:
            ev.add("dtstart", start)
            ev.add("dtend", (i.ends_at or i.starts_at + timedelta(hours=EVENT_HOURS)).astimezone(UTC))
        if i.place:
            ev.add("location", i.place)
        if i.summary:
            ev.add("description", i.summary)
        if url := absolute(i.url):
            ev.add("url", url)
        cal.add_component(ev)
    return bytes(cal.to_ical())
