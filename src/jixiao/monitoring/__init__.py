"""Monitoring during the year (绩效运行监控, "双监控"): lights for target completion and budget execution.

``monitor(declaration, as_of) -> Monitoring`` and ``at_risk(declarations, as_of)``, pure, no I/O. The
figures to date are the self-evaluation's fields (``actual_raw``, ``funds.executed``) plus each
indicator's ``likelihood`` and ``deviation_cause``. One module per concept:

=================  ===================================================================================
module             what
=================  ===================================================================================
``config``         the settings of each profile (``profiles.toml``) and the user's ``[monitoring]``
``progress``       the expected progress at a date (time-proportional, a plan, or flat)
``lights``         the light of an indicator, of the budget execution, of a declaration
``monitor``        a declaration → :class:`Monitoring`; money at stake; the list at risk
``render``         the text and the JSON of ``jixiao monitor``
=================  ===================================================================================

Units, tiers and numbers are the self-evaluation's (:mod:`jixiao.evaluation`). docs/monitoring.md
describes the rules.
"""

from jixiao.monitoring.config import (
    LIGHTS,
    Light,
    MonitorConfig,
    MonitorSettings,
    load_monitor_config,
    load_monitor_settings,
)
from jixiao.monitoring.lights import Lit
from jixiao.monitoring.monitor import Monitor, Monitoring, at_risk, monitor, rank
from jixiao.monitoring.progress import Expected, expected_progress

__all__ = ["LIGHTS", "Expected", "Light", "Lit", "Monitor", "MonitorConfig", "MonitorSettings", "Monitoring",
           "at_risk", "expected_progress", "load_monitor_config", "load_monitor_settings", "monitor", "rank"]
