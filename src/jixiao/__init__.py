"""Jixiao (绩效): performance targets of public budget projects, as exact data.

    >>> import jixiao
    >>> declarations = jixiao.read("src/jixiao/samples/shanghai-redcross-2024-targets.txt")
    >>> declarations[0].funds.total
    Decimal('522400.00')
"""

from jixiao.errors import JixiaoError, ReadError, UsageError
from jixiao.model import Declaration, Funds, Indicator, ReadWarning, Target, Texts
from jixiao.readers import Document, iter_read, read, read_document
from jixiao.targets import format_target, parse_target

__version__ = "0.1.0"

__all__ = [
    "Declaration",
    "Document",
    "Funds",
    "Indicator",
    "JixiaoError",
    "ReadError",
    "ReadWarning",
    "Target",
    "Texts",
    "UsageError",
    "__version__",
    "format_target",
    "iter_read",
    "parse_target",
    "read",
    "read_document",
]
