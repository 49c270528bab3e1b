"""Self-evaluation (绩效自评): score a declaration with its actuals, and check a unit's own figures.

``evaluate(declaration) -> Evaluation``, pure, no I/O. One module per concept:

=================  ===================================================================================
module             what
=================  ===================================================================================
``config``         the settings of each profile (``profiles.toml``) and the user's ``[evaluation]``
``weights``        the four parts' weights and each indicator's (split evenly unless given)
``units``          reconciling an actual's unit with its target's (万元, %, 次/周 …) or flagging it
``scoring``        the formulas: one indicator, the budget execution rate
``evaluate``       a declaration → :class:`Evaluation` (total, rescaling, grade, explanations)
``check``          a unit's filled-in table → the figures that differ from the rule, and by how much
``tables``         a unit's tables read (TABLE file, request body), paired with projects; the report
``flags``          the flags' catalogue (permanent codes, severities, messages)
``numbers``        rounding (half up, two places, once at the end) and printing numbers
``render``         the text table and the JSON of ``jixiao evaluate``
=================  ===================================================================================

docs/evaluation.md describes the rules with worked examples.
"""

from jixiao.evaluation.check import Difference, UnitRow, UnitTable, check
from jixiao.evaluation.config import (
    EvaluationConfig,
    Settings,
    Tier,
    load_evaluation_config,
    load_settings,
    settings_profile,
)
from jixiao.evaluation.evaluate import Evaluation, Evaluator, IndicatorScore, PartScore, evaluate
from jixiao.evaluation.flags import FLAGS, Flag
from jixiao.evaluation.render import evaluation_json

__all__ = ["FLAGS", "Difference", "Evaluation", "EvaluationConfig", "Evaluator", "Flag", "IndicatorScore",
           "PartScore", "Settings", "Tier", "UnitRow", "UnitTable", "check", "evaluate", "evaluation_json",
           "load_evaluation_config", "load_settings", "settings_profile"]
