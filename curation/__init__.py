"""Curation: what editors do to items (approve, reject, edit, tag…), shared by the web admin and the CLI.

Pure validators in :mod:`curation.validate` decide; :class:`curation.actions.Curator` does the I/O and logs every
change in ``item_events`` with who and when.
"""
