"""The web app (Starlette): the editors' admin under /admin/ and the public pages (subscribe, preferences,
unsubscribe, archive) at the root. Server-rendered, in French, usable without JavaScript."""
