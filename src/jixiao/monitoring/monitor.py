"""A declaration with its figures to date → its monitoring (:class:`Monitoring`), and the list at risk.

Money at stake (涉及资金) of a declaration whose light is 黄 or 红: its budget not yet executed,
``全年预算数 − 执行数`` (at least 0; the whole budget when the execution is not given, 0 when the budget
is not given either); of a 绿 one: 0. It is the money a finance bureau may still hold back, cut or
redirect (暂缓或停止拨款, 调减预算), so :func:`at_risk` sorts by it, largest first, then 红 before 黄,
then by name.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from jixiao.evaluation.numbers import plain
from jixiao.model import Declaration
from jixiao.monitoring.config import (
    LIGHTS,
    MonitorConfig,
    MonitorSettings,
    load_monitor_settings,
    monitor_profile,
)
from jixiao.monitoring.lights import Lit, budget_light, declaration_light, indicator_light
from jixiao.monitoring.progress import Expected, expected_progress

__all__ = ["Monitor", "Monitoring", "at_risk", "monitor", "rank"]

_ZERO = Decimal(0)


@dataclass(frozen=True)
class Monitoring:
    """One declaration's monitoring at ``as_of``: the expected progress, the lights, the money at stake."""

    declaration: Declaration
    profile: str
    as_of: date
    expected: Expected
    budget: Lit
    indicators: tuple[Lit, ...]  # one per indicator, in the declaration's order
    light: Lit
    at_stake: Decimal
    at_stake_text: str

    @property
    def red(self) -> bool:
        return self.light.light == "红"

    @property
    def unexplained(self) -> list[int]:
        """The 1-based indices of the 黄 and 红 indicators whose 偏差原因 (its class,
        ``deviation_cause``) or 改进措施 (``measures``) is missing: a round cannot be submitted so."""
        pairs = zip(self.indicators, self.declaration.indicators, strict=True)
        return [number for number, (lit, indicator) in enumerate(pairs, start=1)
                if lit.light in ("黄", "红")
                and (indicator.deviation_cause is None or not indicator.measures)]


def _at_stake(declaration: Declaration, light: Lit) -> tuple[Decimal, str]:
    if light.light == "绿":
        return _ZERO, "绿灯，不计"
    funds = declaration.funds
    budget = funds.year_budget
    if budget is None:
        return _ZERO, "无全年预算数，按 0 计"
    if funds.executed is None:
        return budget, f"未填写执行数，按全年预算 {plain(budget)} 元计"
    left = max(budget - funds.executed, _ZERO)
    return left, f"未执行 {plain(budget)} − {plain(funds.executed)} = {plain(left)} 元"


class Monitor:
    """Monitors declarations under one configuration; the settings of each profile are read once."""

    def __init__(self, config: MonitorConfig | None = None) -> None:
        self.config = config or MonitorConfig()
        self._settings: dict[str, MonitorSettings] = {}

    def settings(self, layout: str) -> MonitorSettings:
        name = monitor_profile(layout, self.config)
        if name not in self._settings:
            self._settings[name] = load_monitor_settings(name, self.config)
        return self._settings[name]

    def monitor(self, declaration: Declaration, as_of: date) -> Monitoring:
        settings = self.settings(declaration.layout)
        expected = expected_progress(as_of, declaration.year, settings)
        budget = budget_light(declaration.funds, expected, settings)
        indicators = tuple(indicator_light(ind, expected, settings) for ind in declaration.indicators)
        light = declaration_light(budget, list(indicators), settings)
        money, text = _at_stake(declaration, light)
        return Monitoring(declaration, settings.profile, as_of, expected, budget, indicators, light,
                          money, text)


def monitor(declaration: Declaration, as_of: date, config: MonitorConfig | None = None) -> Monitoring:
    """One declaration's monitoring at ``as_of`` (pure, no I/O)."""
    return Monitor(config).monitor(declaration, as_of)


def rank(monitorings: Iterable[Monitoring]) -> list[Monitoring]:
    """The 黄 and 红 ones, largest money at stake first, then 红 before 黄, then by name."""
    risky = [m for m in monitorings if m.light.light != "绿"]
    return sorted(risky, key=lambda m: (-m.at_stake, -LIGHTS.index(m.light.light or "绿"),  # type: ignore[arg-type]
                                        m.declaration.name or ""))


def at_risk(declarations: Iterable[Declaration], as_of: date,
            config: MonitorConfig | None = None) -> list[Monitoring]:
    """The declarations at risk at ``as_of`` (黄 or 红), sorted by the money at stake, largest first."""
    monitor_ = Monitor(config)
    return rank(monitor_.monitor(d, as_of) for d in declarations)
