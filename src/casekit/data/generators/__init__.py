"""Seeded simulators of the course's datasets (模拟数据).

Every generator takes a ``seed`` (a non-negative ``int`` fed to ``numpy.random.default_rng``)
and returns the same bytes for the same arguments on the same numpy version; a different seed
gives different data. Output columns and dtypes are exactly those of the dataset's entry in
``datasets/catalog.yaml`` (integers ``Int64``, amounts ``float64``, categories over the
catalogue's allowed values, date-times ``datetime64[ns, Asia/Shanghai]``, dates naive
``datetime64[ns]``), so a generated frame equals ``casekit.data.load`` of the bundled file.

=================  ==========================================================================
generator          what it simulates, calibrated to
=================  ==========================================================================
``event_log``      a Taobao UserBehavior-style log (Tianchi schema) with a 大促 peak; shares
                   of pv/cart/fav/buy, events per user per day and items per category from
                   the public Tianchi dataset (R-tianchi-userbehavior in docs/sources.md)
``keyword_report`` a 直通车 keyword report of a cosmetics store: bid × quality score ranking,
                   second-price actual CPC, CTR rising with quality score and position
``ab_test``        daily impressions and clicks of main-image and title A/B tests with known
                   true CTRs (one real lift, one null result by default)
``store_daily``    90 days of store metrics with an injected stock-out (daily visitors ~200,
                   then 10,000+ after restocking: the 生意参谋 diagnosis case of article 004)
                   and a separate paid-traffic drop
``fan_day``        a 超级粉丝日 campaign window: > 380,000 fans adding to cart on the day and
                   ~385,000 new fans in the week (the 2018 Maybelline case of article 003)
``member_orders``  two years of member orders for RFM / CLV from a BG/NBD-style process with
                   gamma-distributed purchase rates and spend (Gamma-Gamma)
=================  ==========================================================================

``user_behavior_csv()`` streams a full-size simulated ``UserBehavior.csv`` (the raw Tianchi
format, with its out-of-window and duplicate rows) to disk, chunk by chunk.

``build_bundled()`` regenerates every synthetic file in ``datasets/`` from its catalogue
entry (function, seed, params) and writes it through ``casekit.data.schema.write``.
"""

from __future__ import annotations

from casekit.data.generators._common import (
    HOURLY_WEIGHTS,
    TIANCHI_EVENTS_PER_USER_DAY,
    TIANCHI_ITEMS_PER_CATEGORY,
    TIANCHI_ITEMS_PER_USER,
    TIANCHI_SHARES,
    WEEKDAY_WEIGHTS,
)
from casekit.data.generators.ab_tests import DEFAULT_AB_TESTS, ELEMENTS, ab_test
from casekit.data.generators.calibration import calibration_stats
from casekit.data.generators.catalog import (
    GENERATORS,
    build_bundled,
    from_catalog,
    resolve_generator,
)
from casekit.data.generators.events import event_log
from casekit.data.generators.fans import FAN_DAY_PHASES, fan_day
from casekit.data.generators.keywords import KEYWORD_VOCABULARY, keyword_report
from casekit.data.generators.members import CHANNELS, member_orders
from casekit.data.generators.raw_csv import UserBehaviorCsvSummary, user_behavior_csv
from casekit.data.generators.store import ANOMALIES, store_daily

__all__ = [
    "UserBehaviorCsvSummary",
    "ab_test",
    "build_bundled",
    "calibration_stats",
    "event_log",
    "fan_day",
    "from_catalog",
    "keyword_report",
    "member_orders",
    "store_daily",
    "user_behavior_csv",
]

# Constants and helpers the tests and notebooks reach through the package (public API kept).
_REEXPORTED = (
    ANOMALIES,
    CHANNELS,
    DEFAULT_AB_TESTS,
    ELEMENTS,
    FAN_DAY_PHASES,
    GENERATORS,
    HOURLY_WEIGHTS,
    TIANCHI_EVENTS_PER_USER_DAY,
    TIANCHI_ITEMS_PER_CATEGORY,
    TIANCHI_ITEMS_PER_USER,
    TIANCHI_SHARES,
    WEEKDAY_WEIGHTS,
    KEYWORD_VOCABULARY,
    resolve_generator,
)
