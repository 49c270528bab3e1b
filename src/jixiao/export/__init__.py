"""Declarations and reports as files for people outside Jixiao (docs/export.md).

=================  ========================================================================================
module             what
=================  ========================================================================================
``xlsxkit``        the one xlsxwriter mechanism: formats with the CJK font, merged level columns, row
                   heights for wrapped text, A4 print setup (also used by :mod:`jixiao.actuals_xlsx`)
``xlsx``           the official forms as XLSX: declaration (2024 and 2020 layouts), 汇总表, 监控表, 自评表
``pdf``            the same pages as the web shows them, printed to A4 PDF by WeasyPrint (one renderer)
``opendata``       flat CSV and JSON of declarations and indicators, with a JSON Schema
``commands``       ``jixiao export``
=================  ========================================================================================

The functions are imported when first used (``from jixiao.export import declaration_xlsx``), so that
importing the package costs nothing: a module adds a line per public name to :data:`_EXPORTS` (and,
for type checkers, to the ``TYPE_CHECKING`` import).
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # re-exported (``name as name``), for type checkers only
    from jixiao.export.opendata import declarations_csv as declarations_csv
    from jixiao.export.opendata import indicators_csv as indicators_csv
    from jixiao.export.opendata import open_data_json as open_data_json
    from jixiao.export.pdf import declaration_pdf as declaration_pdf
    from jixiao.export.pdf import declaration_pdfs as declaration_pdfs
    from jixiao.export.pdf import declarations_pdf as declarations_pdf
    from jixiao.export.pdf import monitoring_pdf as monitoring_pdf
    from jixiao.export.pdf import self_evaluation_pdf as self_evaluation_pdf
    from jixiao.export.xlsx import declaration_xlsx as declaration_xlsx
    from jixiao.export.xlsx import declarations_xlsx as declarations_xlsx
    from jixiao.export.xlsx import monitoring_xlsx as monitoring_xlsx
    from jixiao.export.xlsx import self_evaluation_xlsx as self_evaluation_xlsx
    from jixiao.export.xlsx import summary_xlsx as summary_xlsx

#: Public name → the module that defines it.
_EXPORTS = {
    "declaration_xlsx": "jixiao.export.xlsx",
    "declarations_xlsx": "jixiao.export.xlsx",
    "summary_xlsx": "jixiao.export.xlsx",
    "monitoring_xlsx": "jixiao.export.xlsx",
    "self_evaluation_xlsx": "jixiao.export.xlsx",
    "declaration_pdf": "jixiao.export.pdf",
    "declaration_pdfs": "jixiao.export.pdf",
    "declarations_pdf": "jixiao.export.pdf",
    "monitoring_pdf": "jixiao.export.pdf",
    "self_evaluation_pdf": "jixiao.export.pdf",
    "declarations_csv": "jixiao.export.opendata",
    "indicators_csv": "jixiao.export.opendata",
    "open_data_json": "jixiao.export.opendata",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(module), name)
    globals()[name] = value
    return value
