"""The digest's orchestrator: the I/O around the pure deciders, for the CLI, the scheduler and the admin.

build:    previous issue's date | approved items since | assemble sections | save draft
edit:     load draft | pure edit | save
segments: issue + its items + confirmed subscribers | group by filtered content
render:   segment | render once (templates, MJML, inlined CSS, text twin) -> RenderedSegment
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property

from core.clock import Clock
from core.errors import InvalidInput, NotFound
from core.message import Placeholder, RenderedSegment, fill
from core.model import Issue, IssueKind, IssueStatus, Item, Subscriber, SubscriberStatus
from core.settings import NetworkSettings, TaxonomySettings
from core.states import move
from digest import assemble, edits
from digest import sections as S
from digest.alerts import Alerts, AlertSegment, as_rendered
from digest.checks import check_html, check_text
from digest.clicks import ClickLinks
from digest.render import Renderer
from digest.segments import Segment, Taxonomy, content_for, in_audience, segment_key, segments
from digest.view import default_subject, shorten
from storage.database import Database
from storage.issues import IssueRepository
from storage.subscribers import SubscriberRepository


@dataclass
class DigestService:
    db: Database
    clock: Clock
    network: NetworkSettings
    taxonomy: TaxonomySettings
    clicks: ClickLinks | None = None  # ``[mail] count_clicks``: items' links in emails counted (digest/clicks.py)

    @cached_property
    def renderer(self) -> Renderer:
        territories = {t.slug: t.label for t in self.taxonomy.territories}
        return Renderer(self.network, territories=territories, clicks=self.clicks)

    @cached_property
    def alerts(self) -> Alerts:
        """The alert editions (:mod:`digest.alerts`): their segments are each subscriber's news since their previous
        alert."""
        return Alerts(db=self.db, clock=self.clock, digest=self)

    @cached_property
    def tax(self) -> Taxonomy:
        return Taxonomy.from_settings(self.taxonomy)

    # -- build ---------------------------------------------------------------------------------------------

    def build_newsletter(self, *, editorial: str = "", subject: str | None = None, by: str | None = None) -> Issue:
        """A numbered draft of the items approved since the previous newsletter was created."""
        now = self.clock.now()
        with self.db.session() as s:
            repo = IssueRepository(s)
            since = repo.previous_created_at(IssueKind.NEWSLETTER)
            entries = assemble.newsletter_entries(repo.approved_items(approved_after=since), now.date())
            if not entries:
                when = f" since {since:%Y-%m-%d %H:%M} UTC" if since else ""
                raise InvalidInput(
                    f"no approved item{when} is still open: nothing to put in a newsletter", code="nothing_open"
                )
            number = repo.next_number(IssueKind.NEWSLETTER)
            subj = edits.check_subject(subject) if subject else default_subject(self.network, number, now)
            issue = Issue(
                kind=IssueKind.NEWSLETTER, title=f"{self.network.newsletter_name} n°{number}", subject=subj,
                number=number, editorial=edits.check_editorial(editorial), template="newsletter",
                entries=entries, created_at=now, created_by=by,
            )  # fmt: skip
            return repo.save(issue)

    def build_emailing(
        self,
        *,
        theme: str | None = None,
        item_ids: list[int] | None = None,
        text: str = "",
        subject: str | None = None,
        by: str | None = None,
    ) -> Issue:
        """A thematic emailing: the current items tagged ``theme`` (its audience: that theme's subscribers), a
        hand-picked list of items, or only a free text."""
        if theme and item_ids:
            raise InvalidInput("choose either a theme or a list of items, not both", code="theme_and_items")
        text = edits.check_editorial(text)
        if not theme and not item_ids and not text:
            raise InvalidInput("an emailing needs a theme, a list of items or a text", code="emailing_empty")
        labels = {t.slug: t.label for t in self.taxonomy.themes}
        if theme and theme not in labels:
            raise InvalidInput(
                f"unknown theme {theme!r}; known: {', '.join(sorted(labels)) or 'none'}",
                code="unknown_theme",
                theme=theme,
            )
        today = self.clock.now().date()
        with self.db.session() as s:
            repo = IssueRepository(s)
            if theme:
                chosen = assemble.theme_items(repo.approved_items(), theme, today)
                if not chosen:
                    raise InvalidInput(
                        f"no approved, open item is tagged {theme!r}: nothing to send", code="theme_empty", theme=theme
                    )
            elif item_ids:
                chosen = assemble.picked_items(repo.items_by_ids(item_ids), item_ids, today)
            else:
                chosen = []
            subj = (subject or "").strip()
            if not subj:
                subj = f"{labels[theme]} : la sélection de {self.network.name}" if theme else ""
            if not subj:
                raise InvalidInput("an emailing without a theme needs --subject", code="subject_required")
            subj = edits.check_subject(subj)
            issue = Issue(
                kind=IssueKind.EMAILING, title=shorten(subj, 200), subject=subj, editorial=text,
                template="emailing", audience={"themes": [theme]} if theme else {},
                entries=assemble.selection_entries(chosen), created_at=self.clock.now(), created_by=by,
            )  # fmt: skip
            return repo.save(issue)

    # -- read and edit -------------------------------------------------------------------------------------

    def get(self, issue_id: int) -> Issue:
        with self.db.session() as s:
            return IssueRepository(s).get(issue_id)

    def all(self) -> list[Issue]:
        with self.db.session() as s:
            return IssueRepository(s).find()

    def items_of(self, issue: Issue) -> dict[int, Item]:
        with self.db.session() as s:
            return IssueRepository(s).items_by_ids([e.item_id for e in issue.entries])

    def _edit_draft(self, issue_id: int, change: str, apply: object) -> Issue:
        with self.db.session() as s:
            repo = IssueRepository(s)
            issue = repo.get(issue_id)
            if issue.status != IssueStatus.DRAFT:
                raise InvalidInput(
                    f"issue {issue_id} is {issue.status}: only a draft can be edited ({change})",
                    code="not_draft",
                    status=issue.status,
                )
            apply(issue)  # type: ignore[operator]
            return repo.save(issue)

    def remove_item(self, issue_id: int, item_id: int) -> Issue:
        return self._edit_draft(issue_id, "remove", lambda i: setattr(i, "entries", edits.remove(i.entries, item_id)))

    def move_item(self, issue_id: int, item_id: int, *, to_index: int, section: str | None = None) -> Issue:
        def apply(i: Issue) -> None:
            i.entries = edits.move(i.entries, item_id, to_index=to_index, section=section)

        return self._edit_draft(issue_id, "move", apply)

    def add_item(self, issue_id: int, item_id: int, *, section: str | None = None) -> Issue:
        """Add an approved, open item, by default in the section the newsletter rules would give it."""
        with self.db.session() as s:
            found = IssueRepository(s).items_by_ids([item_id])
        item = assemble.picked_items(found, [item_id], self.clock.now().date())[0]
        issue = self.get(issue_id)
        where = section or (
            assemble.section_of(item, self.clock.now().date()) if issue.kind == IssueKind.NEWSLETTER else S.SELECTION
        )
        return self._edit_draft(issue_id, "add", lambda i: setattr(i, "entries", edits.add(i.entries, item_id, where)))

    def set_editorial(self, issue_id: int, text: str) -> Issue:
        text = edits.check_editorial(text)
        return self._edit_draft(issue_id, "editorial", lambda i: setattr(i, "editorial", text))

    def set_subject(self, issue_id: int, subject: str) -> Issue:
        subject = edits.check_subject(subject)
        return self._edit_draft(issue_id, "subject", lambda i: setattr(i, "subject", subject))

    def approve(self, issue_id: int, *, at: datetime | None = None, by: str | None = None) -> Issue:
        """Staff approval: a draft becomes scheduled (for ``at``, default now) once every segment renders and
        passes the compatibility checks; an issue nobody would receive is refused (nothing is sent)."""
        issue = self.get(issue_id)
        if issue.status != IssueStatus.DRAFT:
            raise InvalidInput(
                f"issue {issue_id} is {issue.status}: only a draft can be approved",
                code="not_draft",
                status=issue.status,
            )
        items = self.items_of(issue)
        today = self.clock.now().date()
        stale = [e.item_id for e in issue.entries if not assemble.is_current(items[e.item_id], today)]
        if stale:
            raise InvalidInput(
                f"issue {issue_id}: item(s) {', '.join(map(str, stale))} closed or no longer approved since the draft "
                f"was built; remove them with 'relais digest edit remove {issue_id} ITEM'",
                code="stale_items",
                items=", ".join(map(str, stale)),
            )
        rendered = self.render_segments(issue_id)
        if not rendered:
            raise InvalidInput(
                f"issue {issue_id}: no subscriber would receive anything; nothing to send", code="no_audience"
            )
        for seg, r in rendered:
            own = self.clicks.prefix if self.clicks is not None else None  # counted links: Relais's own
            problems = check_html(r.html, own=own) + check_text(r.text, own=own)
            if problems:
                shown = "; ".join(map(str, problems[:3]))
                raise InvalidInput(
                    f"issue {issue_id}, segment {seg.key}: {len(problems)} problem(s): {shown}",
                    code="segment_problems",
                    segment=seg.key,
                    count=len(problems),
                    problems=shown,
                )
        when = at or self.clock.now()
        if when.tzinfo is None:
            raise InvalidInput(
                "the scheduled time needs a time zone (e.g. 2026-12-01T09:00+01:00)", code="time_zone_required"
            )
        with self.db.session() as s:
            repo = IssueRepository(s)
            issue = repo.get(issue_id)
            issue.status = move(issue.status, IssueStatus.SCHEDULED)
            issue.scheduled_at = when
            return repo.save(issue)

    def back_to_draft(self, issue_id: int) -> Issue:
        """Undo an approval before sending starts."""
        with self.db.session() as s:
            repo = IssueRepository(s)
            issue = repo.get(issue_id)
            issue.status = move(issue.status, IssueStatus.DRAFT)
            issue.scheduled_at = None
            return repo.save(issue)

    # -- segments and rendering ----------------------------------------------------------------------------

    def _load(
        self, issue_id: int, subscribers: Sequence[Subscriber] | None = None
    ) -> tuple[Issue, dict[int, Item], Sequence[Subscriber]]:
        """The issue, its items and (unless given) the confirmed subscribers, read in one session."""
        with self.db.session() as s:
            repo = IssueRepository(s)
            issue = repo.get(issue_id)
            items = repo.items_by_ids([e.item_id for e in issue.entries])
            if subscribers is None:
                subscribers = SubscriberRepository(s).audience()
        return issue, items, subscribers

    def segments(self, issue_id: int, subscribers: Sequence[Subscriber] | None = None) -> list[Segment]:
        return self._segments(*self._load(issue_id, subscribers))

    def _segments(self, issue: Issue, items: dict[int, Item], subs: Sequence[Subscriber]) -> list[Segment]:
        """The issue filtered by each subscriber's preferences; an alert edition: their news since their last alert."""
        if issue.kind is IssueKind.ALERT:
            return list(self.alerts.segments_of(issue, items, subs))
        return segments(issue, items, subs, self.tax)

    def _render_segment(self, issue: Issue, items: dict[int, Item], seg: Segment) -> RenderedSegment:
        if isinstance(seg, AlertSegment):  # its title and subject say the rhythm and the count
            issue = as_rendered(
                issue, seg.rhythm, len(seg.item_ids), self.network.name, more=seg.more, site=self.network.base_url
            )
        return self._render(issue, items, seg.item_ids, seg.key)

    def _render(
        self, issue: Issue, items: dict[int, Item], ids: tuple[int, ...], key: str, *, counted: bool = True
    ) -> RenderedSegment:
        when = issue.created_at or self.clock.now()
        return self.renderer.render(issue, items, ids, key=key, when=when, counted=counted)

    def render_segments(
        self, issue_id: int, subscribers: Sequence[Subscriber] | None = None
    ) -> list[tuple[Segment, RenderedSegment]]:
        """Every segment of the issue, each rendered once: what delivery personalises per subscriber. Delivery
        passes the confirmed ``subscribers`` it loaded for the send; else they are read here."""
        issue, items, subs = self._load(issue_id, subscribers)
        return [(seg, self._render_segment(issue, items, seg)) for seg in self._segments(issue, items, subs)]

    def render_segment(self, issue_id: int, key: str) -> RenderedSegment:
        issue, items, subs = self._load(issue_id)
        for seg in self._segments(issue, items, subs):
            if seg.key == key:
                return self._render_segment(issue, items, seg)
        raise NotFound(
            f"issue {issue_id} has no segment {key!r} (see 'relais digest segments {issue_id}')",
            code="no_such_segment",
            segment=key,
        )

    def render_for(self, issue_id: int, email: str) -> RenderedSegment:
        """What one subscriber would receive (placeholders left in)."""
        issue = self.get(issue_id)
        items = self.items_of(issue)
        with self.db.session() as s:
            sub = SubscriberRepository(s).by_email(email.strip())
        if sub is None:
            raise NotFound(f"no subscriber {email!r}", code="subscriber_not_found", subscriber=email)
        if sub.status != SubscriberStatus.CONFIRMED or not in_audience(issue, sub.preferences):
            raise InvalidInput(
                f"{email} does not receive issue {issue_id} (status {sub.status}, or not in its audience)",
                code="not_in_audience",
                email=email,
            )
        if issue.kind is IssueKind.ALERT:  # the segment they are in, if they have anything new
            for seg in self._segments(issue, items, [sub]):
                return self._render_segment(issue, items, seg)
        text_only = issue.kind == IssueKind.EMAILING and not issue.entries
        ids = () if text_only else content_for(issue, items, sub.preferences, self.tax)
        if not ids and not text_only:
            raise InvalidInput(
                f"issue {issue_id} has nothing for {email}: it is not sent to them",
                code="nothing_for_subscriber",
                email=email,
            )
        assert issue.id is not None
        return self._render(issue, items, ids, segment_key(issue.id, ids))

    def render_public(self, issue_id: int) -> RenderedSegment:
        """The whole issue with generic links: the archive's web page."""
        issue = self.get(issue_id)
        items = self.items_of(issue)
        ids = tuple(e.item_id for e in issue.entries)
        assert issue.id is not None
        seg = self._render(issue, items, ids, segment_key(issue.id, ids), counted=False)  # the web counts nothing
        base = self.network.base_url.rstrip("/")
        generic = {
            Placeholder.VIEW_URL: f"{base}/archives/{issue_id}",
            Placeholder.PREFERENCES_URL: f"{base}/abonnement",
            Placeholder.UNSUBSCRIBE_URL: f"{base}/abonnement",
            Placeholder.EMAIL: "que vous avez indiquée",
        }
        return RenderedSegment(
            seg.issue_id, seg.key, seg.subject, fill(seg.html, generic), fill(seg.text, generic), seg.item_ids
        )
