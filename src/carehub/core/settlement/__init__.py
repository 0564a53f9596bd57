"""The payment engine: terms + one period's activity → a statement that explains itself.

Pure: no I/O, no clock, no randomness; the same inputs give the same statement.
"""

from carehub.core.settlement.context import SettlementError
from carehub.core.settlement.engine import settle
from carehub.core.settlement.statement import Line, Statement, StatementError, load_statement

__all__ = ["Line", "SettlementError", "Statement", "StatementError", "load_statement", "settle"]
