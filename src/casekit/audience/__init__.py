"""Audience (人群) analytics: AIPL states, RFM, 新客/老客/潜客, cohorts, CLV, fan growth.

The 2020 天猫618 conference (article ``A004``, see docs/sources.md) speaks of 新老潜 crowds and
of moving crowds "from A to I"; the 2013 brand-station article (``A002``)
describes the three-step path find targets → develop prospects → manage loyalty. This package
gives each of those words a precise, documented definition over data:

* event logs in the Tianchi UserBehavior schema (``user_id, item_id, category_id,
  behavior_type ∈ {pv, cart, fav, buy}, timestamp``), and
* order tables (one row per order: a user column, a time column, optionally an amount in
  CNY). Where a function takes orders it also takes an event log: then every ``buy`` event
  counts as one order.

Days are Beijing calendar days (Asia/Shanghai). An ``as_of`` date includes that whole day.

One job per module: :mod:`~casekit.audience.orders` (reading orders and logs),
:mod:`~casekit.audience.aipl`, :mod:`~casekit.audience.rfm`,
:mod:`~casekit.audience.customers`, :mod:`~casekit.audience.cohorts`,
:mod:`~casekit.audience.clv`, :mod:`~casekit.audience.fans` and
:mod:`~casekit.audience.scan` (:func:`overview`). Import the functions from
``casekit.audience``.
"""

from casekit.audience.aipl import (
    AIPL_STATES,
    aipl_aggregates,
    aipl_states,
    aipl_summary,
    aipl_transitions,
)
from casekit.audience.clv import ClvEstimate, simple_clv
from casekit.audience.cohorts import RepurchaseRate, cohort_retention, repurchase_rate
from casekit.audience.customers import CUSTOMER_TYPES, customer_types
from casekit.audience.fans import FanGrowth, fan_growth
from casekit.audience.rfm import RFM_SEGMENTS, rfm_aggregates, rfm_scores
from casekit.audience.scan import Overview, overview

__all__ = [
    "AIPL_STATES",
    "CUSTOMER_TYPES",
    "RFM_SEGMENTS",
    "ClvEstimate",
    "FanGrowth",
    "Overview",
    "RepurchaseRate",
    "aipl_aggregates",
    "aipl_states",
    "aipl_summary",
    "aipl_transitions",
    "cohort_retention",
    "customer_types",
    "fan_growth",
    "overview",
    "repurchase_rate",
    "rfm_aggregates",
    "rfm_scores",
    "simple_clv",
]
