"""Delivery: freeze recipients into the ledger, compose each message from its rendered segment, hand it to a
mailer, and account for every one of them."""
