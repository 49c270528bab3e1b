"""Reports: the actuals of a declaration's monitoring rounds (绩效运行监控) and self-evaluation (绩效自评)
in the store, with their revisions, their submission and the list of declarations at risk.

=================  ===================================================================================
module             what
=================  ===================================================================================
``tables``         ``report`` (one per declaration and period) and ``report_revision`` (every save)
``operations``     open, save, submit (access checked, audited); the list at risk per department
``errors``         why a report was refused (beside the workflow's NotFound, ActionNotAllowed …)
=================  ===================================================================================

The actuals themselves, and the periods, are :mod:`jixiao.actuals` (pure, no store).
"""

from jixiao.reports.errors import NotReady, ReportConflict
from jixiao.reports.operations import (
    ORDERS,
    AtRisk,
    AtRiskRow,
    Filled,
    at_risk_list,
    open_report,
    reports_of,
    save_report,
    submit_report,
)
from jixiao.reports.tables import DRAFT, SUBMITTED, Report, ReportRevision

__all__ = ["DRAFT", "ORDERS", "SUBMITTED", "AtRisk", "AtRiskRow", "Filled", "NotReady", "Report",
           "ReportConflict", "ReportRevision", "at_risk_list", "open_report", "reports_of",
           "save_report", "submit_report"]
