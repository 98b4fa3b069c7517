"""Grading at class scale: fork-server isolation, the bubblewrap sandbox, resume after a kill,
and the same grades from a Dask LocalCluster."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import uuid
from pathlib import Path

import nbformat
import pytest

from casekit.course import assign as A
from casekit.course import grade as G
from casekit.course.forkserver import Zygote, bwrap_available
from tests.fixtures import toy_exercise as toy

pytestmark = pytest.mark.slow
NB = f"{toy.EXERCISE_ID}.ipynb"
BWRAP_OK, BWRAP_WHY = bwrap_available()
needs_bwrap = pytest.mark.skipif(not BWRAP_OK, reason=f"no bubblewrap sandbox here: {BWRAP_WHY}")

# A submission that tampers with everything a later student relies on: numpy, a builtin,
# casekit's answer export and a global. None of it may reach the next student.
TAMPER = (
    "import builtins, numpy as np\nimport casekit.exercise as cx\n"
    "np.random.default_rng = lambda *a, **k: np.random.Generator(np.random.PCG64(0))\n"
    "builtins.len = lambda x: 99\n"
    "cx.dump_answers = lambda *a, **k: None\n"
    "builtins.q1_ctr = 0.5"
)
STUDENTS = ["s01", "s02", "s03", "s04", "s05", "s06"]


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """Six submissions of the toy exercise: s01 tampers, s03 answers q1 wrongly."""
    tmp = tmp_path_factory.mktemp("scale")
    toy.write_solution(tmp / "solutions")
    A.assign(tmp / "solutions", tmp / "exercises")
    paths = A.assign_roster(tmp / "exercises", [A.Student(s, s) for s in STUDENTS],
                            tmp / "handout")
    for student, path in zip(STUDENTS, paths, strict=True):
        nb = nbformat.read(path, as_version=4)
        answers = {**toy.CORRECT, "q1_ctr": "0.5"} if student == "s03" else toy.CORRECT
        nb = toy.answer(nb, answers)
        if student == "s01":
            nb.cells.append(nbformat.v4.new_code_cell(TAMPER))
        target = tmp / "submissions" / student / NB
        target.parent.mkdir(parents=True)
        nbformat.write(nb, target)
    return tmp


def _scores(gradebook: Path) -> list[tuple]:
    con = sqlite3.connect(gradebook)
    try:
        return con.execute("SELECT student_id, question_id, score, status FROM scores "
                           "ORDER BY 1, 2").fetchall()
    finally:
        con.close()


def _cli(course: Path, out: Path, *extra: str) -> subprocess.Popen:
    cmd = [sys.executable, "-m", "casekit.course.cli", "grade", str(course / "submissions"),
           "--solutions", str(course / "solutions"), "--out", str(out), "-j", "1",
           "--cell-timeout", "20", *extra]
    return subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True, text=True)


# --- isolation, resume, progress -------------------------------------------------------------


@pytest.fixture(scope="module")
def resumed(course):
    """Grade with the CLI, SIGKILL its process group after the first recorded submission,
    then run the same command again."""
    out = course / "out-local"
    first = _cli(course, out)
    book = out / "gradebook.sqlite"
    deadline = time.monotonic() + 240
    recorded = 0
    while time.monotonic() < deadline and first.poll() is None:
        if book.exists():
            try:
                con = sqlite3.connect(book)
                recorded = con.execute("SELECT COUNT(*) FROM graded_inputs").fetchone()[0]
                con.close()
            except sqlite3.OperationalError:
                recorded = 0
            if recorded >= 1:
                break
        time.sleep(0.05)
    killed_midway = first.poll() is None and recorded < len(STUDENTS)
    os.killpg(first.pid, signal.SIGKILL)
    first.communicate()
    second = _cli(course, out)
    stdout, stderr = second.communicate(timeout=300)
    assert second.returncode == 0, stderr
    return out, killed_midway, recorded, stdout, stderr


def test_a_tampering_submission_changes_no_other_students_result(resumed):
    out = resumed[0]
    scores = {(s, q): (score, status) for s, q, score, status in _scores(out / "gradebook.sqlite")}
    for student in ("s02", "s04", "s05", "s06"):
        assert scores[(student, "q1")] == (2, "correct")
        assert scores[(student, "q2")] == (1, "correct")
        assert scores[(student, "q3")] == (1, "correct")
    assert scores[("s03", "q1")] == (0, "incorrect")


def test_a_killed_run_resumes_and_the_gradebook_is_whole(resumed):
    out, killed_midway, recorded, stdout, stderr = resumed
    assert killed_midway, "the first run finished before it could be killed"
    assert f"{recorded} unchanged submission(s) already graded, skipped" in stderr
    con = sqlite3.connect(out / "gradebook.sqlite")
    try:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        students = [r[0] for r in con.execute("SELECT student_id FROM submissions ORDER BY 1")]
        per_student = con.execute(
            "SELECT COUNT(*) FROM scores GROUP BY student_id").fetchall()
    finally:
        con.close()
    assert students == STUDENTS
    assert {n for (n,) in per_student} == {len(toy.QUESTIONS)}
    assert "graded: " in stdout and (out / "grades.csv").exists()
    assert "graded=" in stderr, "the progress bar shows per-status counts"
    assert all((out / "feedback" / f"{s}.html").exists() for s in STUDENTS)


def test_a_changed_submission_is_graded_again(course, resumed, tmp_path):
    out = tmp_path / "out"
    shutil.copytree(resumed[0], out)
    changed = course / "submissions" / "s03" / NB
    original = changed.read_bytes()
    nb = toy.answer(nbformat.read(changed, as_version=4), toy.CORRECT)
    try:
        nbformat.write(nb, changed)
        results = G.grade(course / "submissions", solutions_dir=course / "solutions",
                          out_dir=out, jobs=1, progress=False)
    finally:
        changed.write_bytes(original)
    by_student = {r.student_id: r for r in results}
    assert by_student["s03"].score == 4 and sorted(by_student) == STUDENTS
    assert by_student["s02"].score == 4, "unchanged ones come back from the gradebook"


# --- Dask ----------------------------------------------------------------------------------


def test_a_local_dask_cluster_gives_the_same_grades(course, resumed):
    distributed = pytest.importorskip("dask.distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster:
        G.grade(course / "submissions", solutions_dir=course / "solutions",
                out_dir=course / "out-dask", cluster=cluster.scheduler_address, progress=False)
    assert _scores(course / "out-dask" / "gradebook.sqlite") == _scores(
        resumed[0] / "gradebook.sqlite")


# --- the bubblewrap sandbox ----------------------------------------------------------------


@pytest.fixture(scope="module")
def zygote():
    with Zygote("bwrap" if BWRAP_OK else "python") as z:
        yield z


def _run(zygote, *cells: str) -> tuple[str, list, Path]:
    scratch = zygote.new_scratch()
    status, errors = zygote.run(scratch, list(cells), cell_timeout=30, notebook_timeout=120)
    return status, errors, scratch


def test_consecutive_children_of_one_fork_server_share_nothing(zygote):
    status, errors, _ = _run(zygote, (
        "import pandas as pd, casekit.funnel as f\n"
        "pd.DataFrame.sum = lambda *a, **k: 42\nf.funnel_rates = None\nleak = 'x'"
    ), TAMPER)
    assert (status, errors) == ("ok", [None, None])
    status, errors, _ = _run(zygote, (
        "import builtins, numpy as np, pandas as pd, casekit.funnel as f\n"
        "import casekit.exercise as cx\n"
        "assert len('abc') == 3 and not hasattr(builtins, 'q1_ctr')\n"
        "assert 'leak' not in globals() and callable(f.funnel_rates)\n"
        "assert cx.dump_answers.__module__ == 'casekit.exercise'\n"
        "assert int(pd.DataFrame({'a': [1, 2]}).sum()['a']) == 3\n"
        "assert np.random.default_rng(1).random() != np.random.default_rng(0).random()"
    ))
    assert (status, errors) == ("ok", [None])


@needs_bwrap
def test_native_writes_outside_scratch_fail(zygote):
    import casekit

    package_file = Path(casekit.__file__).resolve().parent / f"escape-{uuid.uuid4().hex}.txt"
    tmp_file = Path("/tmp") / f"casekit-escape-{uuid.uuid4().hex}.txt"
    status, errors, scratch = _run(zygote, (
        "import ctypes, os\nlibc = ctypes.CDLL(None, use_errno=True)\n"
        "flags = os.O_WRONLY | os.O_CREAT\n"
        f"fd = libc.open({str(package_file).encode()!r}, flags, 0o644)\n"
        "assert fd == -1, 'the package folder must be read-only'\n"
        f"fd = libc.open({str(tmp_file).encode()!r}, flags, 0o644)\n"
        "libc.write(fd, b'x', 1)\n"
        "fd = libc.open(b'mine.txt', flags, 0o644)\n"
        "assert fd >= 0 and libc.write(fd, b'ok', 2) == 2"
    ))
    assert (status, errors) == ("ok", [None])
    assert (scratch / "mine.txt").read_text() == "ok", "the scratch folder stays writable"
    assert not package_file.exists() and not tmp_file.exists()


@needs_bwrap
def test_proc_shows_neither_the_grader_nor_other_students(zygote, course):
    other = course / "submissions" / "s02" / NB
    status, errors, _ = _run(zygote, (
        "import os\n"
        "pids = [p for p in os.listdir('/proc') if p.isdigit()]\n"
        "assert len(pids) <= 4, pids\n"
        "seen = ''\n"
        "for p in pids:\n"
        "    try:\n"
        "        seen += open(f'/proc/{p}/cmdline', 'rb').read().decode(errors='replace')\n"
        "    except OSError:\n"
        "        pass\n"
        "assert 'pytest' not in seen and 'casekit.course.cli' not in seen, seen\n"
        f"assert not os.path.exists({str(other)!r})\n"
        f"assert not os.path.exists({str(course / 'solutions')!r})"
    ))
    assert (status, errors) == ("ok", [None])


@needs_bwrap
def test_a_fork_bomb_stops_at_the_process_limit(zygote):
    status, errors, scratch = _run(zygote, (
        "import ctypes\nlibc = ctypes.CDLL(None, use_errno=True)\nn = 0\n"
        "for _ in range(400):\n"
        "    pid = libc.fork()\n"
        "    if pid == 0:\n"
        "        libc.pause()\n"
        "        libc._exit(0)\n"
        "    if pid < 0:\n"
        "        break\n"
        "    n += 1\n"
        "open('forked.txt', 'w').write(str(n))\n"
        "assert n < 400, 'fork never failed'"
    ), "after = 1")
    assert (status, errors) == ("ok", [None, None])
    assert int((scratch / "forked.txt").read_text()) < 400
    status, errors, _ = _run(zygote, "import os\nassert len(os.listdir('/proc')) > 0")
    assert (status, errors) == ("ok", [None]), "the next submission runs normally"


@needs_bwrap
def test_network_calls_fail(zygote):
    status, errors, _ = _run(zygote, (
        "import ctypes, errno, socket, struct\n"
        "libc = ctypes.CDLL(None, use_errno=True)\n"
        "s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)\n"
        "addr = struct.pack('!HH4s8x', socket.AF_INET, 53, bytes([1, 1, 1, 1]))\n"
        "addr = struct.pack('=H', socket.AF_INET) + addr[2:]\n"
        "rc = libc.connect(s.fileno(), addr, len(addr))\n"
        "assert rc == -1 and ctypes.get_errno() == errno.ENETUNREACH, (rc, ctypes.get_errno())"
    ), "import socket\nsocket.create_connection(('1.1.1.1', 53), timeout=5)")
    assert status == "ok" and errors[0] is None
    assert errors[1][0] == "PermissionError", "the audit hook refuses it before the kernel does"


def test_an_edited_solution_is_read_again_by_a_warm_worker(tmp_path):
    # each worker parses a solution once; an edit (even one that keeps the size) must show
    path = toy.write_solution(tmp_path / "solutions")
    first = G._solution(str(path))
    assert G._solution(str(path)) is first
    nb = nbformat.read(path, as_version=4)
    q = nb.metadata["casekit"]["exercise"]["questions"][0]
    q["title_zh"] = q["title_zh"][::-1]  # same length, different text
    nbformat.write(nb, path)
    os.utime(path, ns=(time.time_ns(), time.time_ns() + 1_000_000))
    again = G._solution(str(path))
    assert again is not first
    assert again.spec["questions"][0]["title_zh"] == q["title_zh"]
