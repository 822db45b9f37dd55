"""Shared test helpers (tests/ is on pytest's pythonpath)."""

from previz.core.models import EDITABLE_TABLES


def dump(session, *, history: bool = True) -> dict:
    """Every row of every table a user's work lives in, for 'exactly as it was' comparisons."""
    tables = list(EDITABLE_TABLES) + ["media"] + (["history"] if history else [])
    return {t: session.table_rows(t) for t in tables}
