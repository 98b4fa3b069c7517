"""Mutation testing of the grader's comparison and the core formulas (``make mutation``).

Runs mutmut (configured in ``pyproject.toml``) on the functions in ``TARGETS`` only, then
writes ``benchmarks/results/mutation.md``: the score per function and every surviving
mutant with its diff and the reason it survives (``EXPLAINED``). A survivor without a
reason makes the script exit 1, so a new gap in the tests cannot go unnoticed.

Usage: python benchmarks/mutation.py [--report-only] [--out PATH]
Not part of ``make test``: it runs the selected tests once per mutant (minutes).
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
MUTMUT = [sys.executable, "-m", "mutmut"]
TARGETS = {
    "casekit.course.answers.*": "grader comparison and stated tolerances",
    "casekit.data.engine.x_day_of_ts*": "Beijing day of Unix seconds",
    "casekit.experiment.x__ztest_arrays*": "two-proportion z test and its interval",
}
# Survivors that no test should kill, by mutant name, with the reason.
EXPLAINED: dict[str, str] = {}
# Survivors explained by the shape of their diff (pattern on the mutated line → reason).
EXPLAINED_BY_DIFF = [
    (re.compile(r"_FLOAT_SLACK\)|1e-12|_FLOAT_SLACK = "),
     "float slack of 1e-9 × tolerance: equivalent for every answer a student can type"),
    (re.compile(r"\.replace\(\"\*\*\", \"\"\)|\.replace\(\"XX\*\*XX\""),
     "Markdown bold markers removed from the feedback sentence: cosmetic"),
    (re.compile(r"strip\(\"XX[%0.]XX\"\)"),
     "str.strip takes a set of characters: adding 'X' changes nothing for digits (equivalent)"),
    (re.compile(r"looks = None|integer=None\)"),
     "None is as falsy as False where the value is read (equivalent)"),
    (re.compile(r"get\(\"hint_zh\", (None)?\)"),
     "a missing hint is None instead of '': both falsy, no hint shown (equivalent)"),
    (re.compile(r"\"inf\" if v (>= 0|> 1) else"),
     "v is ±inf on this line, so any threshold between them gives the same sign (equivalent)"),
    (re.compile(r"np\.asarray\(v, (dtype=None)?\)"),
     "counts are validated integers; integer arrays give the same float results (equivalent)"),
    (re.compile(r"np\.errstate\("),
     "every division is masked by np.where before it can divide by zero; errstate only "
     "silences warnings (equivalent)"),
    (re.compile(r"np\.where\((se_pooled|pa) >= 0|"
                r"np\.where\((se_pooled|pa) > 0, (se_pooled|pa), 2\.0\)"),
     "changes only values the outer np.where discards (se_pooled = 0 means diff = 0; "
     "pa = 0 gives NaN): equivalent"),
    (re.compile(r"p = np\.clip\(p, "),
     "p-values from the normal distribution are already within [0, 1]: the clip is a guard "
     "(equivalent)"),
    (re.compile(r"\"ci_low\": np\.clip\(low, -1\.0, (None|2\.0)\)|"
                r"\"ci_high\": np\.clip\(high, (None|-2\.0), 1\.0\)"),
     "ci_low ≤ diff ≤ 1 and ci_high ≥ diff ≥ −1 already: that side of the clip never acts "
     "(equivalent)"),
    (re.compile(r"\"significant\": p <= alpha"),
     "p equals alpha exactly only on a set of measure zero; the boundary convention "
     "(p < alpha) is documented, not testable on real data"),
]


def _run(args: list[str]) -> str:
    done = subprocess.run(MUTMUT + args, cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def survivors_and_counts() -> tuple[list[str], Counter]:
    counts: Counter = Counter()
    survived = []
    for line in _run(["results", "--all", "true"]).splitlines():
        name, _, status = line.strip().rpartition(": ")
        if not name or not any(re.fullmatch(p.replace(".", r"\.").replace("*", ".*"), name)
                               for p in TARGETS):
            continue
        target = next(p for p in TARGETS
                      if re.fullmatch(p.replace(".", r"\.").replace("*", ".*"), name))
        counts[(target, status)] += 1
        if status == "survived":
            survived.append(name)
    return survived, counts


def diff_of(name: str) -> str:
    lines = _run(["show", name]).splitlines()
    return "\n".join(line for line in lines
                     if line.startswith(("-", "+")) and not line.startswith(("---", "+++")))


def reason_for(name: str, diff: str) -> str | None:
    if name in EXPLAINED:
        return EXPLAINED[name]
    added = "\n".join(line for line in diff.splitlines() if line.startswith("+"))
    for pattern, reason in EXPLAINED_BY_DIFF:
        if pattern.search(added):
            return reason
    return None


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--report-only", action="store_true",
                        help="only rewrite the report from mutmut's stored results")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks/results/mutation.md")
    args = parser.parse_args()
    if not args.report_only:
        print(_run(["run", *TARGETS])[-2000:])
    survived, counts = survivors_and_counts()
    rows, unexplained, details = [], [], []
    for target, what in TARGETS.items():
        killed = counts[(target, "killed")] + counts[(target, "timeout")]
        alive = counts[(target, "survived")]
        total = killed + alive
        score = f"{killed / total:.1%}" if total else "–"
        rows.append(f"| `{target}` | {what} | {total} | {killed} | {alive} | {score} |")
    for name in survived:
        diff = diff_of(name)
        reason = reason_for(name, diff)
        if reason is None:
            unexplained.append(name)
        details.append(f"### `{name}`\n\n{reason or '**not explained**'}\n\n```diff\n{diff}\n```\n")
    total_killed = sum(v for (t, s), v in counts.items() if s in ("killed", "timeout"))
    total = total_killed + sum(v for (t, s), v in counts.items() if s == "survived")
    text = "\n".join([
        "# Mutation testing: grader comparison and core formulas",
        "",
        "Produced by `make mutation` (`python benchmarks/mutation.py`, mutmut as configured in",
        "`pyproject.toml`). Killed = a test failed on the mutant; timeouts count as killed.",
        "",
        "| functions | what | mutants | killed | survived | score |",
        "|---|---|---:|---:|---:|---:|",
        *rows,
        f"| **all** | | {total} | {total_killed} | {total - total_killed} | "
        f"{(total_killed / total if total else 0):.1%} |",
        "",
        "## Surviving mutants and why they survive",
        "",
        *(details or ["None."]),
    ])
    args.out.parent.mkdir(parents=True, exist_ok=True)
    staged = args.out.with_name(f".{args.out.name}.tmp")
    staged.write_text(text + "\n", encoding="utf-8")
    staged.replace(args.out)  # atomic: an interrupted run keeps the previous report
    print(f"wrote {args.out}: {total_killed}/{total} killed; unexplained survivors: "
          f"{len(unexplained)}")
    for name in unexplained:
        print("  unexplained:", name)
    return 1 if unexplained else 0


if __name__ == "__main__":
    sys.exit(main())
