"""Client files in, decision files out: the file side of ``bigclient evaluate``.

Reading (CSV, JSON Lines, Excel ``.xlsx``) turns every malformed row into a named bad row
and refuses a file whose header cannot be trusted before any row is decided. Writing goes
to a unique temporary file beside the output and is renamed into place only when the whole
run succeeded, so an output is either the old file or the complete new one.
"""

from __future__ import annotations

from bigclient.tables.columns import Columns, known_columns
from bigclient.tables.errors import MAX_CELL, Interrupted, TableError
from bigclient.tables.read import Row, open_rows, read_records
from bigclient.tables.run import evaluate_file

__all__ = ["MAX_CELL", "Columns", "Interrupted", "Row", "TableError", "evaluate_file",
           "known_columns", "open_rows", "read_records"]
