"""What every command shares: the chosen config file and lazily built services."""

from __future__ import annotations

from dataclasses import dataclass, field

import typer
from rich.console import Console

from relais.logs import configure as configure_logging
from relais.wiring import Services, load

console = Console()
err_console = Console(stderr=True, soft_wrap=True)


@dataclass
class State:
    config: str | None
    _services: Services | None = field(default=None, repr=False)

    def services(self, *, require_schema: bool = True) -> Services:
        if self._services is None:
            self._services = load(self.config)
            configure_logging(self._services.settings.logging)
        if require_schema:
            self._services.require_schema()
        return self._services


def services(ctx: typer.Context, *, require_schema: bool = True) -> Services:
    state: State = ctx.find_root().obj
    return state.services(require_schema=require_schema)
