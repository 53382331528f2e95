"""Mailers: the seam between the send loop and whatever carries a message away.

``smtp`` (a pool of persistent connections), ``outbox`` (one ``.eml`` per message in a folder, the embedded
default) and ``memory`` (a fake for tests) all implement :class:`delivery.mailers.base.Mailer`.
"""
