"""Storage: the SQLAlchemy tables, one repository module per noun, and the Alembic migrations.

SQL lives here and nowhere else. Repositories take and return the dataclasses of :mod:`core.model`.
"""

import sys

# Alembic imports Mako (it writes new migration files from a template), and Mako's error pages import Pygments'
# highlighting whenever Pygments is installed (it is: the command line's Rich needs it). That is 4.6 MB resident in
# every Relais process, web workers and the collecting process included, for an error page no process shows.
# Marked missing before Alembic is imported, Mako takes its own fallback (the source as escaped text).
sys.modules.setdefault("mako.ext.pygmentplugin", None)  # type: ignore[arg-type]
