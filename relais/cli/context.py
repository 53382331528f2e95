"""What every command shares: the chosen config file and lazily built services."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.console import Console

from relais.logs import configure as configure_logging
from relais.wiring import Services, load, with_created_networks

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@dataclass
class State:
    config: str | None
    network: str | None = None  # --reseau: one network's slug; None: the first network
    _base: Services | None = field(default=None, repr=False)
    _network: Services | None = field(default=None, repr=False)
    _checked: bool = field(default=False, repr=False)  # the schema checked, the admin's networks added

    def deployment(self, *, require_schema: bool = True) -> Services:
        """The deployment's services: every network's rows (one network: its own)."""
        if self._base is None:
            self._base = load(self.config)
            configure_logging(self._base.settings.logging)
        if require_schema and not self._checked:
            self._base.require_schema()
            self._base, self._checked = with_created_networks(self._base), True
        return self._base

    def services(self, *, require_schema: bool = True) -> Services:
        """The services a command acts with: with several networks, those of ``--reseau`` (the first network's by
        default), at the operator's level; with one, the deployment's."""
        base = self.deployment(require_schema=require_schema)
        if not require_schema or (self.network is None and not base.several_networks):
            return base
        if self._network is None:
            self._network = base.for_network(self.network or base.settings.all_networks[0].slug, operator=True)
        return self._network


def services(ctx: typer.Context, *, require_schema: bool = True) -> Services:
    state: State = ctx.find_root().obj
    return state.services(require_schema=require_schema)


def deployment(ctx: typer.Context) -> Services:
    """For what adds up every network (``relais figures --national``)."""
    state: State = ctx.find_root().obj
    return state.deployment()
