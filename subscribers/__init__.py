"""Subscribers: double opt-in, preferences, unsubscribe, consent log, import/export, bounces.

addresses    normalise and validate an email address (email-validator, no network)
preferences  check preferences against the taxonomy; who a segment reaches (pure)
links        signed personal links (itsdangerous): confirm, preferences, unsubscribe
ratelimit    sliding-window limits for sign-ups
mailer       the SystemMailer the flows need, and its Jinja2/MJML rendering
service      the orchestrators: sign-up, confirm, preferences, unsubscribe, export, erase, purge
importer     CSV import (parse is pure, import_rows does bulk I/O); exporter: CSV/JSON export
bounces      bounce and complaint recording; DSN parsing from a Maildir
"""
