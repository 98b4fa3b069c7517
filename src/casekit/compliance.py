"""Ad-copy checker (广告文案合规检查): absolute terms, 618 campaign wording, efficacy claims.

:func:`check_copy` scans a piece of Chinese (or mixed Chinese/English) ad copy against the
rule table ``compliance_rules`` (``datasets/facts/compliance_rules.csv``) and returns one
row per finding, with the span in the ORIGINAL text, why it is a problem and a safer phrase.
The rules live in that data file, not in this code: each row is a literal term or a small
regular expression, with its category, severity, product scope, optional date window,
messages, rewrite and source.

Severity (严重程度), from high to low — an ordered categorical
``advice < platform < campaign < statutory``:

* ``statutory``: the Advertising Law (广告法). Art. 9(3) names 国家级, 最高级 and 最佳
  (category ``statutory_absolute``); regulators apply the same article to other absolute and
  superlative claims — 第一, 唯一, 首选, 顶级, 全网最低, 销量冠军, NO.1, best … (category
  ``absolute_claim``, source ``R-adlaw-art9``). Fines under Art. 57 run from 200,000 to
  1,000,000 CNY; each rule row carries its legal basis, penalty and how sure the course is of
  them (``legal_basis_*``, ``penalty_*``, ``basis_certainty``). 全网最低价 also raises the
  Price Law's ban on misleading pricing (``R-price-law-art14``).
* ``campaign``: the 2020 天猫618 creative rules (article ``A004``, see docs/sources.md): no
  "比618还便宜", no store "××主会场", no altered logo wording, logo wording only inside its
  window, and no efficacy promises or before/after comparisons for goods that are neither
  drugs nor health foods. The platform rejects such creative, so these block publication.
* ``platform``: genuine wording preferences from platform and industry lists (绝对, 100% …,
  category ``style_preference``): worth rewriting, but not a claim the law bans as such.
* ``advice``: cosmetics claims that need efficacy evidence under the 2021 efficacy-claim
  standard (滋养, 修护, 防晒, 提亮, 保湿, 温和 …). Publishable once the evidence exists.

Campaign sits above platform because it blocks publication: :func:`is_publishable` is true
exactly when no finding has severity ``campaign`` or higher. :func:`verdict` sums a check up in
one of three words: ``blocking`` (not publishable), ``needs_evidence`` (publishable only with
efficacy evidence on file) or ``fine`` (no finding, or only wording preferences).

Matching (how the copy is normalised):

1. Every character is NFKC-normalised and lower-cased, so full-width ``ＮＯ．１`` and
   ``第１`` read as ``no.1`` and ``第1``, and ``NO.1`` / ``No.1`` / ``no.1`` are the same.
2. Separators are dropped: whitespace other than line breaks, zero-width and other format
   characters, combining marks, punctuation and symbols — except the sentence-ending marks
   ``。!?;`` (and their full-width forms), ``%`` and ``‰``. So ``最 佳``, ``最-佳``, ``最·佳``,
   ``最★佳`` and ``国 家 级`` all read as the term; ``最。佳`` does not (a sentence break).
   Letters and digits inserted between the characters (``最x佳``) are not skipped.
3. Literal patterns are normalised the same way; regex patterns run on the normalised text
   as written (lower case, no separators). A match that begins or ends with an ASCII letter
   or digit must not touch another ASCII letter or digit in the copy (an ASCII word
   boundary), so ``No.1`` does not fire inside ``No.10`` and ``the best`` not inside
   ``the bestseller``. Row-level exceptions ``unless_preceded_by`` / ``unless_followed_by``
   (regexes on the normalised text) drop matches in a known harmless context.
4. Spans map back to the original text through an index kept while normalising: ``start``
   is the original position of the first matched character and ``end`` one past the last,
   so ``text[start:end]`` is the matched wording including any inserted separators.
5. A finding lying inside the span of another rule's finding of equal or higher severity is
   dropped (全网最低价 gives one finding, not also 最低; 最高级 not also 最高).
6. A finding lying inside a word of :data:`NON_CLAIM_WORDS` is dropped: words in which 最, 第一
   or 首 state time or order, not rank (最近, 最后一天, 最新到货, 第一次, 首次上市, 首发 …).

Choices on ambiguous wording (documented and tested):

* 第一 / 第1 as an ordinal (第一次 first time, 第一步, 第一天, 第一眼, 第一时间, 第一印象 …)
  is not flagged; as a ranking (销量第一, 第一品牌) it is.
* 最 in a time or order word (最近 recently, 最后 last, 最初, 最终, 最早, 最晚) and 首 in
  首次 / 首发 / 首单 are not claims (see :data:`NON_CLAIM_WORDS`); 首家, 首款, 首创 (the first
  company or product to …) are.
* 唯一 is always flagged, including the trope 唯一的缺点就是…: it is a disguised superlative
  and reviewers apply the list literally.
* A banned term inside a negation (不是最佳) is still flagged: the checker does not parse
  meaning.
* 最好 meaning "preferably" (最好在睡前使用) and 最高 stating a discount ceiling (最高立减50元)
  are not flagged; 100% describing fabric content (100%纯棉) is not flagged.
* Windowed rules (the 618 logo wording, allowed 2020-05-25 .. 2020-06-20) are checked only
  when ``on_date`` is given; the window is the 2020 one, so to check another year pass a rule
  table with that year's dates.
* Simplification: efficacy and before/after rules apply to ``general``, ``cosmetics`` and
  ``food``, not to ``drug`` or ``health_food`` (which may carry approved claims under their
  own, stricter advertising rules that the kit does not model). The evidence reminders
  (``advice``) apply to ``cosmetics`` only. Statutory, platform and 618 wording rules apply to
  every product type.

This is a teaching tool: it finds wording for a human to review, it is not legal advice.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from casekit._checks import TZ, choice, require_columns, require_frame
from casekit.errors import BadParameterError, SchemaViolationError

__all__ = [
    "BLOCKING_SEVERITIES",
    "FINDING_COLUMNS",
    "NON_CLAIM_WORDS",
    "PRODUCT_TYPES",
    "SEVERITIES",
    "VERDICTS",
    "RuleSet",
    "check_copy",
    "compile_rules",
    "is_publishable",
    "load_rules",
    "normalise",
    "summarise",
    "verdict",
]

SEVERITIES = ("advice", "platform", "campaign", "statutory")
"""Severity levels from low to high (the order of the ordered categorical)."""
BLOCKING_SEVERITIES = ("campaign", "statutory")
"""A finding at one of these levels makes the copy not publishable."""
EVIDENCE_SEVERITIES = ("advice",)
"""A finding at this level asks for efficacy evidence before the copy runs."""
VERDICTS = ("fine", "needs_evidence", "blocking")
"""What :func:`verdict` returns, from harmless to not publishable."""
NON_CLAIM_WORDS = (
    "最近",
    "最后",
    "最初",
    "最终",
    "最早",
    "最晚",
    "最新到货",
    "最新款",
    "第一次",
    "第一步",
    "第一天",
    "第一批",
    "第一眼",
    "第一时间",
    "首次",
    "首发",
    "首单",
    "首页",
    "首件",
)
"""Words in which 最 / 第一 / 首 mark time or order, not a ranking; a finding inside one of them
is dropped (matched on normalised text, so 最 近 and 第 一 次 count too)."""
PRODUCT_TYPES = ("general", "cosmetics", "food", "health_food", "drug")
"""Product types a rule's ``applies_to`` may name (``all`` means every one of them)."""
SEVERITY_DTYPE = pd.CategoricalDtype(list(SEVERITIES), ordered=True)
FINDING_COLUMNS = (
    "start",
    "end",
    "text",
    "rule_id",
    "category",
    "severity",
    "source",
    "message_zh",
    "message_en",
    "suggested_rewrite",
)
"""Columns of the findings frame returned by :func:`check_copy`."""

RULE_COLUMNS = (
    "rule_id",
    "category",
    "severity",
    "match",
    "pattern",
    "applies_to",
    "message_zh",
    "message_en",
    "suggested_rewrite",
    "source",
)
"""Columns a rule table must have; ``unless_preceded_by``, ``unless_followed_by``,
``valid_from`` and ``valid_to`` are optional."""

_TEXT_COLUMNS = (
    "text",
    "rule_id",
    "category",
    "source",
    "message_zh",
    "message_en",
    "suggested_rewrite",
)
_LOOKBEHIND_CHARS = 16  # how far back ``unless_preceded_by`` may look, normalised characters

# --------------------------------------------------------------------------------------------
# Normalisation with an index map back to the original text
# --------------------------------------------------------------------------------------------

_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029")
_KEPT_MARKS = frozenset("。!?;%‰")  # after NFKC: ！→!, ？→?, ；→;, ％→%, ｡→。
_SEPARATOR_CATEGORIES = frozenset(
    {"Zs", "Cc", "Cf", "Mn", "Me", "Pc", "Pd", "Ps", "Pe", "Pi", "Pf", "Po", "Sk", "Sm", "So"}
)


def _is_separator(ch: str) -> bool:
    if ch in _LINE_BREAKS or ch in _KEPT_MARKS:
        return False
    return unicodedata.category(ch) in _SEPARATOR_CATEGORIES


@functools.lru_cache(maxsize=8192)
def _fold_char(ch: str) -> tuple[tuple[tuple[str, bool], ...], bool]:
    """One original character, normalised: NFKC, lower case, separators removed.

    Returns the kept characters, each with whether a separator came right before it inside
    this character's expansion, and whether the expansion ends with a separator.
    """
    kept: list[tuple[str, bool]] = []
    gap = False
    for c in unicodedata.normalize("NFKC", ch):
        for low in c.lower():
            if _is_separator(low):
                gap = True
            else:
                kept.append((low, gap))
                gap = False
    return tuple(kept), gap


@dataclass(frozen=True, eq=False)
class _Folded:
    """Normalised text plus, per normalised character, where it came from."""

    text: str
    origin: np.ndarray  # original index of each normalised character
    gap_before: np.ndarray  # True when a separator was dropped right before this character


def _fold(text: str) -> _Folded:
    chars: list[str] = []
    origin: list[int] = []
    gap: list[bool] = []
    pending_gap = False
    for i, ch in enumerate(text):
        kept, trailing_gap = _fold_char(ch)
        for c, inner_gap in kept:
            chars.append(c)
            origin.append(i)
            gap.append(pending_gap or inner_gap)
            pending_gap = False
        pending_gap = pending_gap or trailing_gap
    return _Folded("".join(chars), np.asarray(origin, dtype=np.int64), np.asarray(gap, dtype=bool))


def normalise(text: str) -> str:
    """The text as the checker sees it: NFKC, lower case, separators (spaces, most
    punctuation and symbols) removed; sentence-ending marks, line breaks and % kept.

    Parameters
    ----------
    text : str
        Text to normalise.

    Returns
    -------
    str
        The normalised text.
    """
    _require_text(text)
    return _fold(text).text


def _ascii_alnum(ch: str) -> bool:
    return ch.isascii() and ch.isalnum()


def _on_word_boundary(folded: _Folded, a: int, b: int) -> bool:
    """False when an ASCII letter/digit at a match edge touches another one in the copy."""
    s = folded.text
    if a > 0 and _ascii_alnum(s[a]) and _ascii_alnum(s[a - 1]) and not folded.gap_before[a]:
        return False
    return not (
        b < len(s) and _ascii_alnum(s[b - 1]) and _ascii_alnum(s[b]) and not folded.gap_before[b]
    )


# --------------------------------------------------------------------------------------------
# Rules
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Rule:
    rule_id: str
    category: str
    severity: str
    regex: re.Pattern[str]
    unless_before: re.Pattern[str] | None
    unless_after: re.Pattern[str] | None
    product_types: frozenset[str]
    valid_from: dt.date | None
    valid_to: dt.date | None
    source: str
    message_zh: str
    message_en: str
    suggested_rewrite: str

    @property
    def windowed(self) -> bool:
        return self.valid_from is not None or self.valid_to is not None

    def allowed_on(self, day: dt.date) -> bool:
        after_start = self.valid_from is None or day >= self.valid_from
        return after_start and (self.valid_to is None or day <= self.valid_to)


@dataclass(frozen=True, eq=False)
class RuleSet:
    """Compiled rules, ready for :func:`check_copy`; build with :func:`compile_rules`.

    ``frame`` is the rule table it was compiled from (for display).
    """

    rules: tuple[_Rule, ...]
    frame: pd.DataFrame

    def __len__(self) -> int:
        return len(self.rules)


def _cell(row: pd.Series, column: str) -> Any:
    value = row.get(column)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value


def _row_error(rule_id: object, column: str, problem: str) -> SchemaViolationError:
    return SchemaViolationError(
        f"rule table (compliance_rules format), rule {rule_id!r}, column {column!r}: {problem}",
        column=column,
    )


def _compile_regex(rule_id: object, column: str, pattern: str) -> re.Pattern[str]:
    try:
        return re.compile(pattern)
    except re.error as exc:
        raise _row_error(rule_id, column, f"{pattern!r} is not a valid regex ({exc})") from None


def _rule_date(rule_id: object, column: str, value: Any) -> dt.date | None:
    if value is None:
        return None
    try:
        ts = pd.Timestamp(value)
    except (TypeError, ValueError):
        ts = pd.NaT
    if pd.isna(ts):
        raise _row_error(rule_id, column, f"{value!r} is not a date such as '2020-05-25'")
    return ts.date()


def _compile_row(row: pd.Series) -> _Rule:
    rule_id = _cell(row, "rule_id")
    if not isinstance(rule_id, str) or not rule_id.strip():
        raise _row_error(rule_id, "rule_id", "every rule needs a non-empty rule_id")
    for column in RULE_COLUMNS:
        value = _cell(row, column)
        if not isinstance(value, str) or not value.strip():
            raise _row_error(rule_id, column, f"is {value!r}; expected non-empty text")
    severity = str(row["severity"])
    if severity not in SEVERITIES:
        raise _row_error(rule_id, "severity", f"{severity!r} is not one of {', '.join(SEVERITIES)}")
    how = str(row["match"])
    pattern = str(row["pattern"])
    if how == "literal":
        folded = _fold(pattern).text
        if not folded:
            raise _row_error(rule_id, "pattern", f"{pattern!r} is empty once normalised")
        regex = re.compile(re.escape(folded))
    elif how == "regex":
        regex = _compile_regex(rule_id, "pattern", pattern)
        if regex.match(""):
            raise _row_error(rule_id, "pattern", f"{pattern!r} matches the empty string")
    else:
        raise _row_error(rule_id, "match", f"{how!r} is not 'literal' or 'regex'")
    before = _cell(row, "unless_preceded_by")
    after = _cell(row, "unless_followed_by")
    scope = {part.strip() for part in str(row["applies_to"]).split(";") if part.strip()}
    if scope == {"all"}:
        types = frozenset(PRODUCT_TYPES)
    else:
        unknown = sorted(scope - set(PRODUCT_TYPES))
        if unknown or not scope:
            raise _row_error(
                rule_id,
                "applies_to",
                f"{row['applies_to']!r} names {', '.join(unknown) or 'nothing'}; expected 'all' "
                f"or product types from {', '.join(PRODUCT_TYPES)} separated by ';'",
            )
        types = frozenset(scope)
    return _Rule(
        rule_id=rule_id,
        category=str(row["category"]),
        severity=severity,
        regex=regex,
        unless_before=None
        if before is None
        else _compile_regex(rule_id, "unless_preceded_by", f"(?:{before})\\Z"),
        unless_after=None
        if after is None
        else _compile_regex(rule_id, "unless_followed_by", str(after)),
        product_types=types,
        valid_from=_rule_date(rule_id, "valid_from", _cell(row, "valid_from")),
        valid_to=_rule_date(rule_id, "valid_to", _cell(row, "valid_to")),
        source=str(row["source"]),
        message_zh=str(row["message_zh"]),
        message_en=str(row["message_en"]),
        suggested_rewrite=str(row["suggested_rewrite"]),
    )


def compile_rules(rules: pd.DataFrame) -> RuleSet:
    """Compile a rule table (columns as in ``compliance_rules``) once, for repeated checks.

    Raises ``MissingColumnError`` for an absent column and ``SchemaViolationError`` naming the
    rule for an invalid row (bad regex, unknown severity or product type, bad date).

    Parameters
    ----------
    rules : pandas.DataFrame
        A compliance rule table.

    Returns
    -------
    RuleSet
        The rules compiled for :func:`check_copy`.
    """
    df = require_frame(rules, "rules")
    require_columns(df, RULE_COLUMNS, what="the rule table")
    ids = df["rule_id"].astype("object")
    if ids.duplicated().any():
        dup = ids[ids.duplicated()].iloc[0]
        raise _row_error(dup, "rule_id", "appears twice; every rule_id must be unique")
    compiled = tuple(_compile_row(row) for _, row in df.iterrows())
    return RuleSet(compiled, df)


@functools.lru_cache(maxsize=1)
def load_rules() -> RuleSet:
    """The bundled rule table ``compliance_rules``, compiled once per process (cached)."""
    from casekit import data

    return compile_rules(data.load("compliance_rules"))


# --------------------------------------------------------------------------------------------
# Checking
# --------------------------------------------------------------------------------------------


def _require_text(text: Any) -> str:
    if not isinstance(text, str):
        expected = "a str of ad copy; for many texts call check_copy on each"
        raise BadParameterError("text", _short(text), expected, zh="广告文案")
    return text


def _short(value: Any) -> Any:
    shown = repr(value)
    return value if len(shown) <= 60 else f"{type(value).__name__} {shown[:50]}…"


def _as_date(value: Any) -> dt.date | None:
    """``on_date`` as a calendar date in Beijing time (aware date-times are converted)."""
    if value is None:
        return None
    expected = "a date such as datetime.date(2020, 6, 18) or '2020-06-18'"
    if isinstance(value, pd.Timestamp | dt.datetime | np.datetime64):
        ts = pd.Timestamp(value)
        if pd.isna(ts):
            raise BadParameterError("on_date", value, expected, zh="投放日期")
        return (ts.tz_convert(TZ) if ts.tzinfo is not None else ts).date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise BadParameterError("on_date", _short(value), expected, zh="投放日期")


def _resolve_rules(rules: Any) -> RuleSet:
    if rules is None:
        return load_rules()
    if isinstance(rules, RuleSet):
        return rules
    if isinstance(rules, pd.DataFrame):
        return compile_rules(rules)
    raise BadParameterError(
        "rules", type(rules).__name__, "None (the bundled rules), a RuleSet or a DataFrame"
    )


def _empty_findings() -> pd.DataFrame:
    frame = {
        col: pd.Series([], dtype="int64" if col in ("start", "end") else pd.StringDtype())
        for col in FINDING_COLUMNS
    }
    frame["severity"] = pd.Series([], dtype=SEVERITY_DTYPE)
    return pd.DataFrame(frame)


def _drop_nested(found: list[tuple[int, int, _Rule]]) -> list[tuple[int, int, _Rule]]:
    """Drop a finding inside the span of another rule's finding of equal or higher severity."""
    rank = {s: i for i, s in enumerate(SEVERITIES)}
    order = sorted(found, key=lambda f: (-rank[f[2].severity], f[0] - f[1], f[0], f[2].rule_id))
    kept: list[tuple[int, int, _Rule]] = []
    for start, end, rule in order:
        covered = any(
            k_start <= start and end <= k_end and k_rule.rule_id != rule.rule_id
            for k_start, k_end, k_rule in kept
        )
        if not covered:
            kept.append((start, end, rule))
    return kept


_NON_CLAIM_RE = re.compile(
    "|".join(re.escape(_fold(w).text) for w in sorted(NON_CLAIM_WORDS, key=len, reverse=True))
)


def _drop_non_claims(
    folded: _Folded, found: list[tuple[int, int, _Rule]]
) -> list[tuple[int, int, _Rule]]:
    """Drop findings that lie inside a non-claim word such as 最近 or 第一次."""
    if not found:
        return found
    spans = [
        (int(folded.origin[m.start()]), int(folded.origin[m.end() - 1]) + 1)
        for m in _NON_CLAIM_RE.finditer(folded.text)
    ]
    return [
        f for f in found if not any(a <= f[0] and f[1] <= b for a, b in spans)
    ]


def check_copy(
    text: str,
    *,
    rules: RuleSet | pd.DataFrame | None = None,
    on_date: dt.date | dt.datetime | str | None = None,
    product_type: str = "general",
) -> pd.DataFrame:
    """Find risky wording in ad copy; one row per finding (empty frame when clean).

    ``rules``: None for the bundled ``compliance_rules`` (compiled once and cached), a
    :class:`RuleSet` from :func:`compile_rules`, or a rule DataFrame (compiled on each call).
    ``on_date``: the day the copy runs (Beijing time); windowed rules are checked only when
    it is given. ``product_type``: one of :data:`PRODUCT_TYPES`.

    Columns: ``start``, ``end`` (character positions in the original ``text``, end
    exclusive, so ``text[start:end]`` is the matched wording), ``text``, ``rule_id``,
    ``category``, ``severity`` (ordered categorical, see :data:`SEVERITIES`), ``source``,
    ``message_zh``, ``message_en``, ``suggested_rewrite``. Sorted by position, then severity
    from high to low. See the module docstring for normalisation and exceptions.

    Parameters
    ----------
    text : str
        Ad copy to check (Chinese text).
    rules : RuleSet, pandas.DataFrame or None
        Compliance rules; None: the bundled rule table.
    on_date : date-like or None
        Publication date (for campaign-logo rules); None: no date rules.
    product_type : str, optional
        Product category the rules apply to, e.g. ``'general'``.

    Returns
    -------
    pandas.DataFrame
        One row per finding: start, end, text, rule_id, category, severity, source,
        messages and suggested rewrite; empty when clean.
    """
    _require_text(text)
    choice(product_type, "product_type", PRODUCT_TYPES, zh="商品类型")
    day = _as_date(on_date)
    ruleset = _resolve_rules(rules)
    folded = _fold(text)
    s = folded.text
    found: list[tuple[int, int, _Rule]] = []
    for rule in ruleset.rules:
        if product_type not in rule.product_types:
            continue
        if rule.windowed and (day is None or rule.allowed_on(day)):
            continue
        for m in rule.regex.finditer(s):
            a, b = m.span()
            if a == b or not _on_word_boundary(folded, a, b):
                continue
            if rule.unless_after is not None and rule.unless_after.match(s, b):
                continue
            if rule.unless_before is not None and rule.unless_before.search(
                s, max(0, a - _LOOKBEHIND_CHARS), a
            ):
                continue
            found.append((int(folded.origin[a]), int(folded.origin[b - 1]) + 1, rule))
    found = _drop_non_claims(folded, found)
    if not found:
        return _empty_findings()
    return _to_frame(text, _drop_nested(found))


def _to_frame(text: str, found: Iterable[tuple[int, int, _Rule]]) -> pd.DataFrame:
    rows = [
        {
            "start": start,
            "end": end,
            "text": text[start:end],
            "rule_id": rule.rule_id,
            "category": rule.category,
            "severity": rule.severity,
            "source": rule.source,
            "message_zh": rule.message_zh,
            "message_en": rule.message_en,
            "suggested_rewrite": rule.suggested_rewrite,
        }
        for start, end, rule in found
    ]
    df = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    df = df.astype({"start": "int64", "end": "int64", "severity": SEVERITY_DTYPE})
    df = df.astype({col: pd.StringDtype() for col in _TEXT_COLUMNS})
    rank = df["severity"].cat.codes
    order = np.lexsort((df["rule_id"].to_numpy(dtype=object), df["end"], -rank, df["start"]))
    return df.iloc[order].reset_index(drop=True)


# --------------------------------------------------------------------------------------------
# Summaries
# --------------------------------------------------------------------------------------------


def _findings_severity(findings: Any) -> pd.Series:
    if not isinstance(findings, pd.DataFrame):
        raise BadParameterError(
            "findings", type(findings).__name__, "the DataFrame returned by check_copy"
        )
    require_columns(findings, ("severity",), what="the findings", zh={"severity": "严重程度"})
    severity = findings["severity"].astype("object")
    unknown = severity[~severity.isin(SEVERITIES)]
    if len(unknown):
        raise SchemaViolationError(
            f"column 'severity' (严重程度) has value {unknown.iloc[0]!r}; expected one of "
            + ", ".join(SEVERITIES),
            column="severity",
        )
    return severity


def summarise(findings: pd.DataFrame) -> pd.Series:
    """Number of findings per severity, from ``statutory`` down to ``advice`` (zeros kept).

    Parameters
    ----------
    findings : pandas.DataFrame
        A :func:`check_copy` result.

    Returns
    -------
    pandas.Series
        Number of findings per severity, zeros kept.
    """
    severity = _findings_severity(findings)
    levels = list(reversed(SEVERITIES))
    counts = severity.value_counts().reindex(levels, fill_value=0).astype("int64")
    counts.index = pd.CategoricalIndex(levels, dtype=SEVERITY_DTYPE, name="severity")
    counts.name = "findings"
    return counts


def is_publishable(findings: pd.DataFrame) -> bool:
    """True when no finding is ``statutory`` or ``campaign`` (platform and advice may remain).

    Parameters
    ----------
    findings : pandas.DataFrame
        A :func:`check_copy` result.

    Returns
    -------
    bool
        True when no finding is ``statutory`` or ``campaign``.
    """
    severity = _findings_severity(findings)
    return not bool(severity.isin(BLOCKING_SEVERITIES).any())


def verdict(findings: pd.DataFrame) -> str:
    """One word for a check's result: ``blocking``, ``needs_evidence`` or ``fine``.

    ``blocking`` when a finding is ``campaign`` or ``statutory`` (not publishable);
    ``needs_evidence`` when the worst finding is ``advice`` (a cosmetics efficacy claim:
    publishable only with evaluation evidence on file); ``fine`` otherwise (no finding, or only
    ``platform`` wording preferences).

    Parameters
    ----------
    findings : pandas.DataFrame
        The findings returned by ``check_copy`` (needs a ``severity`` column).

    Returns
    -------
    str
        ``"blocking"``, ``"needs_evidence"`` or ``"fine"``.
    """
    severity = _findings_severity(findings)
    if severity.isin(BLOCKING_SEVERITIES).any():
        return "blocking"
    if severity.isin(EVIDENCE_SEVERITIES).any():
        return "needs_evidence"
    return "fine"
