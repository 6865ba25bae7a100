"""The one home of hand-written SQL's machinery (statements live in `<app>/queries.py`).

- `fetch`, `fetch_then_commit`: run one statement; rows come back as dicts keyed by
  column name (`Row`), never read by position.
- `insert`, `insert_all`: one cached INSERT ... RETURNING for models without save signals.
- `load`: a model instance from a row's named columns, converted as the ORM converts.
- `table`, `column`, `columns`: names quoted one way (the connection's `quote_name`).
- `any_of`, `list_param`, `pairs`, `pairs_params`: a list of values as one parameter, over
  the PostgreSQL (arrays) / SQLite (JSON) split.
- `retry_on_conflict`: run a short write action again when PostgreSQL aborted it as a
  deadlock victim.

The ruff rule TID251 (pyproject.toml) keeps raw cursors inside this package and the
`queries.py` modules.
"""

from net247.db.lists import any_of, list_param, pairs, pairs_params
from net247.db.names import column, columns, quote, table
from net247.db.retry import retry_on_conflict
from net247.db.rows import CHUNK, SaveSignalsError, insert, insert_all, load
from net247.db.run import Row, connection, fetch, fetch_then_commit, vendor

__all__ = [
    "CHUNK",
    "Row",
    "SaveSignalsError",
    "any_of",
    "column",
    "columns",
    "connection",
    "fetch",
    "fetch_then_commit",
    "insert",
    "insert_all",
    "list_param",
    "load",
    "pairs",
    "pairs_params",
    "quote",
    "retry_on_conflict",
    "table",
    "vendor",
]
