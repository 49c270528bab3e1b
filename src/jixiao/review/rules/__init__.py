"""The rule families. Importing this package registers every rule.

Codes by family: JX1xx required parts, JX2xx measurability, JX3xx units, JX4xx consistency,
JX5xx funds and dates, JX6xx appropriateness and feasibility, JX7xx format.
"""

from jixiao.review.rules import (  # noqa: F401
    appropriateness,
    completeness,
    consistency,
    format,
    funds,
    measurability,
    units,
)
