"""Subscribers: double opt-in, the preferences centre, one-click unsubscribe, consent log, import/export,
bounces and erasure."""
