"""Delivery: freezes an issue's recipients into the ledger, composes each message from its rendered segment and
hands it to a mailer (SMTP, outbox folder, or a fake), resumably and with exact accounting."""
