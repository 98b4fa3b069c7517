"""Long commands stop cleanly: Ctrl-C and SIGTERM, no children or temp folders left, full disk."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import nbformat
import psutil
import pytest

from casekit import fileio
from casekit.course import interrupt
from casekit.errors import OutputError

ROOT = Path(__file__).resolve().parents[2]


def _course(root: Path, n: int = 3) -> list[Path]:
    paths = []
    for i in range(n):
        nb = nbformat.v4.new_notebook()
        nb.metadata["kernelspec"] = {"name": "casekit", "display_name": "casekit",
                                     "language": "python"}
        nb.cells = [
            nbformat.v4.new_markdown_cell(f"# {i:02d} 慢笔记本"),
            nbformat.v4.new_code_cell(
                "import os, time\ntime.sleep(float(os.environ.get('CASEKIT_TEST_SLEEP', '0')))\n"
                f"print({i})"
            ),
        ]
        path = root / f"{i:02d}_slow.ipynb"
        nbformat.write(nb, path)
        paths.append(path)
    return paths


def _marked(mark: str) -> list[psutil.Process]:
    found = []
    for proc in psutil.process_iter():
        try:
            if proc.environ().get("CASEKIT_TEST_MARK") == mark:
                found.append(proc)
        except psutil.Error:
            continue
    return found


def _start(args: list[str], tmp: Path, sleep: str) -> tuple[subprocess.Popen, str]:
    mark = uuid.uuid4().hex
    env = {**os.environ, "TMPDIR": str(tmp), "CASEKIT_TEST_SLEEP": sleep,
           "CASEKIT_TEST_MARK": mark, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen([sys.executable, "-m", "casekit.course.cli", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    return proc, mark


def _wait_for_kernels(proc: subprocess.Popen, n: int, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the command ended early: {proc.communicate()}")
        kernels = []
        for kid in psutil.Process(proc.pid).children(recursive=True):
            try:
                if "ipykernel" in " ".join(kid.cmdline()):
                    kernels.append(kid)
            except psutil.Error:
                continue
        if len(kernels) >= n:
            time.sleep(1.0)  # let them reach the sleeping cell
            return
        time.sleep(0.2)
    pytest.fail("the kernels did not start")


@pytest.mark.parametrize(
    "how",
    ["SIGINT to the group (Ctrl-C)", "SIGTERM to the group", "SIGINT to the parent only"],
)
def test_build_stops_cleanly_and_resumes(tmp_path, how):
    course = tmp_path / "course"
    course.mkdir()
    # a short TMPDIR: kernels talk over unix sockets, whose paths are limited to ~100 bytes
    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    paths = _course(course)
    before = {p: p.read_bytes() for p in paths}
    proc, mark = _start(["build", "--force", "-q", "--jobs", "2", str(course)], tmp, "120")
    _wait_for_kernels(proc, 2)
    sig = signal.SIGTERM if "SIGTERM" in how else signal.SIGINT
    sent = time.monotonic()
    if "parent only" in how:
        os.kill(proc.pid, sig)
    else:
        os.killpg(proc.pid, sig)
    out, err = proc.communicate(timeout=60)
    stopped_in = time.monotonic() - sent
    assert proc.returncode == 130, (out, err)
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    assert len(lines) == 1, lines
    assert lines[0].startswith("interrupted: 0 of 3 notebooks built, 3 not")
    assert "casekit build" in lines[0] and "Traceback" not in out + err
    time.sleep(0.5)
    assert _marked(mark) == [], "a worker or kernel outlived the command"
    assert not list((tmp / interrupt.RUNS).glob("*")), "a temp folder was left behind"
    assert {p: p.read_bytes() for p in paths} == before, "outputs changed"
    assert stopped_in < 15, f"took {stopped_in:.1f} s to stop"
    # the rerun completes
    again, _ = _start(["build", "-q", str(course)], tmp, "0")
    out, err = again.communicate(timeout=300)
    assert again.returncode == 0, out + err
    assert all(p.read_bytes() != before[p] for p in paths), "the rerun built the notebooks"
    shutil.rmtree(tmp, ignore_errors=True)


def test_a_killed_runs_temp_folder_is_removed_by_the_next_run(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    stale = tmp_path / interrupt.RUNS / f"build-{dead.pid}"
    (stale / "casekit-build-x").mkdir(parents=True)
    live = tmp_path / interrupt.RUNS / f"grade-{os.getpid()}"
    live.mkdir()
    with interrupt.run("site") as folder:
        assert folder.is_dir() and os.environ[interrupt.ENV] == str(folder)
        with interrupt.temp_dir("casekit-x-") as inner:
            assert Path(inner).parent == folder
        with tempfile.TemporaryDirectory() as other:  # any temp folder of the run
            assert Path(other).parent == folder
    assert not stale.exists(), "the killed run's folder is cleaned"
    assert live.exists(), "a running command's folder is left alone"
    assert not folder.exists() and interrupt.ENV not in os.environ


@pytest.mark.parametrize(
    "code, says",
    [(errno.ENOSPC, "the disk is full"), (errno.EROFS, "read-only file system"),
     (errno.EACCES, "permission denied")],
)
def test_a_failed_write_names_the_path_and_keeps_the_old_file(tmp_path, monkeypatch, code, says):
    target = tmp_path / "out" / "gradebook.csv"
    target.parent.mkdir()
    target.write_text("old", encoding="utf-8")

    def failing(src, dst):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio.os, "replace", failing)
    with pytest.raises(OutputError, match=says) as info:
        fileio.atomic_write_text(target, "new")
    assert str(target) in str(info.value) and "previous file is unchanged" in str(info.value)
    assert target.read_text(encoding="utf-8") == "old"
    assert [p.name for p in target.parent.iterdir()] == ["gradebook.csv"], "no temp file left"


def test_an_unwritable_folder_is_a_clear_error(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS))

    monkeypatch.setattr(fileio.tempfile, "mkstemp", failing)
    with pytest.raises(OutputError, match=r"read-only file system.*nothing was written"):
        fileio.atomic_write_bytes(tmp_path / "site" / "index.html", b"x")


def test_grade_stops_cleanly_and_the_rerun_resumes(tmp_path):
    from tests.fixtures import toy_exercise as toy

    solution = toy.write_solution(tmp_path / "solutions")

    def submit(seconds: int) -> None:  # the grader's children do not see our environment
        for student in ("s01", "s02", "s03"):
            nb = nbformat.read(solution, as_version=4)
            nb.cells.insert(2, nbformat.v4.new_code_cell(f"import time\ntime.sleep({seconds})"))
            folder = tmp_path / "submissions" / student
            folder.mkdir(parents=True, exist_ok=True)
            nbformat.write(nb, folder / solution.name)

    submit(120)
    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    args = ["grade", str(tmp_path / "submissions"), "--solutions", str(tmp_path / "solutions"),
            "--out", str(tmp_path / "out"), "--jobs", "2", "--sandbox", "python", "-q",
            "--notebook-timeout", "600", "--cell-timeout", "300"]
    proc, mark = _start(args, tmp, "120")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:  # the workers are grading once their zygotes fork
        assert proc.poll() is None, proc.communicate()
        kids = psutil.Process(proc.pid).children(recursive=True)
        if len(kids) >= 6:
            break
        time.sleep(0.5)
    time.sleep(3)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, (out, err)
    lines = [ln for ln in (out + err).splitlines() if ln.strip()]
    assert len(lines) == 1 and "Traceback" not in out + err, lines
    assert lines[0].startswith("interrupted: ") and "casekit grade" in lines[0]
    time.sleep(0.5)
    assert _marked(mark) == [], "a worker, fork server or child outlived the command"
    assert not list((tmp / interrupt.RUNS).glob("*")), "a temp folder was left behind"
    submit(0)
    again, _ = _start(args, tmp, "0")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, out + err
    assert (tmp_path / "out" / "grades.csv").exists()
    shutil.rmtree(tmp, ignore_errors=True)


def _cpu_s(proc: subprocess.Popen) -> float:
    times = psutil.Process(proc.pid).cpu_times()
    return times.user + times.system


def test_site_stops_cleanly_keeps_the_previous_site_and_the_rerun_builds_it(tmp_path):
    from casekit.course.site import build as site_build

    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    out = tmp_path / "site"
    out.mkdir()
    (out / site_build.MARKER).write_text("previous build\n", encoding="utf-8")
    (out / "index.html").write_text("<p>previous site</p>", encoding="utf-8")
    args = ["site", "--force", "--out", str(out), "--notebooks", str(ROOT / "notebooks"),
            "--exercises", str(ROOT / "exercises"), "--instructor", str(ROOT / "instructor"),
            "--docs", str(ROOT / "docs")]
    proc, mark = _start(args, tmp, "0")
    # the build takes ~15 s of CPU, its imports under 2 s: at 3 s it is rendering pages
    _wait_until(proc, lambda: _cpu_s(proc) >= 3.0, "the site being rendered")
    code, lines, text, left, runs = _interrupt(proc, mark, tmp)
    _assert_stopped_cleanly(code, lines, text, left, runs, "interrupted: casekit site stopped")
    assert (out / "index.html").read_text(encoding="utf-8") == "<p>previous site</p>"
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "a half-built site was left"
    # the rerun builds the whole site
    again, _ = _start(args, tmp, "0")
    out_text, err = again.communicate(timeout=600)
    assert again.returncode == 0, out_text + err
    manifest = json.loads((out / site_build.MANIFEST).read_text(encoding="utf-8"))
    built = {str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()}
    assert built == {*manifest["files"], site_build.MARKER}, "files missing or extra"
    assert len(built) > 50 and "previous site" not in (out / "index.html").read_text("utf-8")
    for page in ("index.html", "notebooks/03_promotion_funnel.html"):
        assert (out / page).read_text(encoding="utf-8").rstrip().endswith("</html>"), page
    assert [p.name for p in tmp_path.iterdir()] == ["site"], "a temp folder was left"
    shutil.rmtree(tmp, ignore_errors=True)


def test_a_site_that_cannot_be_written_keeps_the_previous_one(tmp_path, monkeypatch):
    from casekit.course.site import build as site_build
    from tests.fixtures.course import site_course

    dirs = site_course(tmp_path / "course")
    out = tmp_path / "site"
    site_build.build_site(out, **dirs)
    before = (out / "index.html").read_bytes()

    def full_disk(root, files, umask):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(site_build, "_write_tree", full_disk)
    with pytest.raises(OutputError, match=r"cannot write .*site: the disk is full"):
        site_build.build_site(out, force=True, **dirs)
    assert (out / "index.html").read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["course", "site"]


def test_handouts_stop_cleanly_and_the_rerun_prints_them(tmp_path):
    pytest.importorskip("playwright")
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Chromium not installed (.ci/run installs it)")
    from casekit.course import handouts as H

    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    out = tmp_path / "handouts"
    args = ["handouts", "--out", str(out), "--notebooks", str(ROOT / "notebooks"),
            "--exercises", str(ROOT / "exercises"), "--solutions", str(ROOT / "solutions"),
            "03_promotion_funnel"]
    first = out / "notebooks" / "03_promotion_funnel.pdf"  # printed first of the three
    proc, mark = _start(args, tmp, "0")
    _wait_until(proc, (out / H.MANIFEST).is_file, "the first PDF (and the manifest)")
    assert any("chrom" in k.name() for k in psutil.Process(proc.pid).children(recursive=True))
    os.killpg(proc.pid, signal.SIGINT)
    out_text, err = proc.communicate(timeout=60)
    lines = [ln for ln in err.splitlines() if ln.strip()]  # stdout: what was printed so far
    assert proc.returncode == 130 and len(lines) == 1, (out_text, err)
    assert "Traceback" not in out_text + err and lines[0].startswith("interrupted: ")
    time.sleep(0.5)
    assert _marked(mark) == [], "Chromium or a worker outlived the command"
    leftovers = [p for p in out.rglob("*") if p.suffix in (".tmp",) or p.name.startswith(".")]
    assert not [p for p in leftovers if p.suffix == ".tmp"], leftovers
    assert not list((tmp / interrupt.RUNS).glob("*"))
    printed = first.read_bytes()
    assert json.loads((out / H.MANIFEST).read_text(encoding="utf-8"))["files"].keys() == {
        "notebooks/03_promotion_funnel.pdf"}, "the finished PDF is recorded, the others not"
    # the rerun keeps the finished PDF and prints the other two, each a whole PDF
    again, _ = _start(args, tmp, "0")
    out_text, err = again.communicate(timeout=600)
    assert again.returncode == 0, out_text + err
    assert "2 PDFs written, 1 unchanged" in out_text and first.read_bytes() == printed
    pdfs = sorted(str(p.relative_to(out)) for p in out.rglob("*.pdf"))
    expected = [f"{kind}/03_promotion_funnel.pdf"
                for kind in ("answer-keys", "notebooks", "worksheets")]
    assert pdfs == expected
    manifest = json.loads((out / H.MANIFEST).read_text(encoding="utf-8"))
    assert sorted(manifest["files"]) == expected
    for name in pdfs:
        data = (out / name).read_bytes()
        assert data.startswith(b"%PDF-") and b"%%EOF" in data[-1024:], name
        text = subprocess.run(["pdftotext", str(out / name), "-"], capture_output=True,
                              text=True, check=True).stdout
        assert "漏斗" in text, name
    assert sorted(p.name for p in out.rglob(".*")) == [H.MANIFEST], "a temp file was left"
    assert not list((tmp / interrupt.RUNS).glob("*"))
    shutil.rmtree(tmp, ignore_errors=True)


# --- midway stops of assign, guide and report; reruns; a real full disk -------------------------


def _wait_until(proc: subprocess.Popen, ready, what: str, timeout: float = 180) -> None:
    """Poll until ``ready()`` (a sign the command's main work is running), not a fixed sleep."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the command ended before {what}: {proc.communicate()}")
        try:
            if ready():
                return
        except psutil.Error:
            pass
        time.sleep(0.05)
    pytest.fail(f"timed out waiting for {what}")


def _has_open(proc: subprocess.Popen, folder: Path) -> bool:
    """Whether the command (not a child) has a file under ``folder`` open right now."""
    return any(Path(f.path).is_relative_to(folder) for f in psutil.Process(proc.pid).open_files())


def _interrupt(proc: subprocess.Popen, mark: str, tmp: Path):
    """Ctrl-C to the command's group; its exit status, stderr lines, all output, survivors."""
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    time.sleep(0.5)
    lines = [ln for ln in err.splitlines() if ln.strip()]
    left = _marked(mark)
    runs = list((tmp / interrupt.RUNS).glob("*"))
    return proc.returncode, lines, out + err, left, runs


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


def _assert_stopped_cleanly(code, lines, text, left, runs, starts: str) -> None:
    assert code == 130, (code, text)
    assert len(lines) == 1, lines
    assert lines[0].startswith(starts), lines
    assert "Traceback" not in text, text
    assert left == [], "a process outlived the command"
    assert runs == [], "a temp folder was left behind"


def test_assign_stops_cleanly_and_the_rerun_writes_every_copy(tmp_path):
    from casekit.course import assign as A
    from casekit.course.notebooks import notebook_bytes, read_notebook

    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    exercises = tmp_path / "exercises"
    A.assign(ROOT / "solutions", exercises)
    exercises_before = _snapshot(exercises)
    n = 60
    students = [A.Student(f"s{i:03d}", f"学生{i}") for i in range(n)]
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\n" + "".join(f"{s.id},{s.name}\n" for s in students),
                      encoding="utf-8")
    out = tmp_path / "handout"
    last = out / students[-1].id / "01_ecosystem.ipynb"  # a copy from an earlier run
    last.parent.mkdir(parents=True)
    last.write_text("previous copy\n", encoding="utf-8")
    args = ["assign", "--solutions", str(ROOT / "solutions"), "--exercises", str(exercises),
            "--roster", str(roster), "--out", str(out)]
    proc, mark = _start(args, tmp, "0")
    _wait_until(proc, lambda: (out / students[0].id).is_dir(), "the first personal copies")
    code, lines, text, left, runs = _interrupt(proc, mark, tmp)
    _assert_stopped_cleanly(code, lines, text, left, runs, "interrupted: personal copies written")
    done = int(re.search(r"for (\d+) of (\d+) students", lines[0]).group(1))
    assert done < n - 1, f"not stopped midway: {lines[0]}"
    assert f"{n - done} not" in lines[0] and "casekit assign" in lines[0]
    assert _snapshot(exercises) == exercises_before, "exercises/ changed"
    assert last.read_text(encoding="utf-8") == "previous copy\n", "a later copy was touched"
    written = sorted(out.rglob("*"))
    assert not [p for p in written if p.name.startswith(".")], "a temp file was left"
    for path in (p for p in written if p.is_file() and p != last):
        read_notebook(path)  # every copy written is complete
    # the rerun writes every copy, the same bytes as the library makes
    again, _ = _start(args, tmp, "0")
    out_text, err = again.communicate(timeout=600)
    assert again.returncode == 0, out_text + err
    assert f"handout: {n * len(exercises_before)} notebooks for {n} students" in out_text
    copies = sorted(p for p in out.rglob("*.ipynb"))
    assert len(copies) == n * len(exercises_before)
    for student in (students[0], students[done], students[-1]):
        for name in exercises_before:
            nb = read_notebook(exercises / name)
            expected = notebook_bytes(A.personalise(nb, student, str(exercises / name)))
            assert (out / student.id / name).read_bytes() == expected, (student, name)
    assert not [p for p in out.rglob(".*")], "a temp file was left"
    shutil.rmtree(tmp, ignore_errors=True)


def _bloat(notebook: Path, outputs: int) -> None:
    """Give the notebook's first code cell many stream outputs (cells and sections unchanged)."""
    doc = json.loads(notebook.read_text(encoding="utf-8"))
    cell = next(c for c in doc["cells"] if c["cell_type"] == "code")
    cell.setdefault("outputs", []).extend(
        {"output_type": "stream", "name": "stdout", "text": [f"line {i}\n"]}
        for i in range(outputs))
    notebook.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")


def test_guide_stops_cleanly_and_keeps_the_previous_guide(tmp_path):
    from casekit.course import guide as G

    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    root = tmp_path / "course"
    for folder in ("notebooks", "solutions", "instructor"):
        shutil.copytree(ROOT / folder, root / folder)
    # the guide reads every notebook; big outputs make that take seconds, not the guide's text
    for notebook in (root / "notebooks").glob("[0-9][0-9]_*.ipynb"):
        _bloat(notebook, 10_000)
    target = root / G.GUIDE_PATH
    target.write_text("previous guide\n", encoding="utf-8")
    before = _snapshot(root / "instructor")
    proc, mark = _start(["guide", "--root", str(root)], tmp, "0")
    _wait_until(proc, lambda: _has_open(proc, root / "notebooks"), "the guide reading notebooks")
    code, lines, text, left, runs = _interrupt(proc, mark, tmp)
    _assert_stopped_cleanly(code, lines, text, left, runs, "interrupted: casekit guide stopped")
    assert _snapshot(root / "instructor") == before, "the previous guide changed"
    again, _ = _start(["guide", "--root", str(root)], tmp, "0")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, out + err
    assert target.read_bytes() == (ROOT / G.GUIDE_PATH).read_bytes(), "the rerun's guide"
    assert sorted(before) == sorted(_snapshot(root / "instructor")), "a temp file was left"
    shutil.rmtree(tmp, ignore_errors=True)


def test_report_stops_cleanly_and_keeps_the_previous_report(tmp_path):
    from casekit.course import report as R
    from casekit.course import synthclass as S
    from casekit.course.notebooks import discover, exercise_spec, read_notebook

    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    specs = {p.stem: exercise_spec(read_notebook(p), str(p)) for p in discover(ROOT / "solutions")}
    grading = tmp_path / "grading"
    gradebook = grading / "gradebook.sqlite"
    dirs = {"solutions": ROOT / "solutions", "notebooks": ROOT / "notebooks"}
    S.synthetic_gradebook(gradebook, specs, n_students=12, seed=1)
    R.report(grading, **dirs)  # the previous report, of a small class
    # the class now has 3000 students: the report reads and groups ~230k score rows
    S.synthetic_gradebook(gradebook, specs, n_students=3000, seed=2)
    before = _snapshot(grading)
    args = ["report", str(grading), "--solutions", str(ROOT / "solutions"),
            "--notebooks", str(ROOT / "notebooks")]
    proc, mark = _start(args, tmp, "0")
    _wait_until(proc, lambda: _has_open(proc, grading), "the report reading the gradebook")
    code, lines, text, left, runs = _interrupt(proc, mark, tmp)
    _assert_stopped_cleanly(code, lines, text, left, runs, "interrupted: casekit report stopped")
    assert _snapshot(grading) == before, "the previous report changed"
    again, _ = _start(args, tmp, "0")
    out, err = again.communicate(timeout=600)
    assert again.returncode == 0, out + err
    tables = R.class_tables(grading, **dirs)
    for name, df in tables.items():
        assert (grading / f"report-{name}.csv").read_bytes() == R._csv_bytes(df), name
    assert (grading / "report.html").read_bytes() != before["report.html"]
    assert sorted(_snapshot(grading)) == sorted(before), "a temp file was left"
    shutil.rmtree(tmp, ignore_errors=True)


# --- a real full disk and a read-only folder: a small tmpfs in a user + mount namespace ----------

_DISK_DRIVER = r'''
"""Mount a tmpfs at DISK, put STAGE's files there, run the command, record what it left."""
import hashlib, json, shutil, subprocess, sys
from pathlib import Path

disk, size, mode, stage, result = (Path(sys.argv[1]), sys.argv[2], sys.argv[3],
                                   Path(sys.argv[4]), Path(sys.argv[5]))
subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(disk)], check=True)
shutil.copytree(stage, disk, dirs_exist_ok=True)
if mode == "ro":
    subprocess.run(["mount", "-o", f"remount,ro,size={size}", str(disk)], check=True)


def snapshot():
    files = {}
    for p in sorted(disk.rglob("*")):
        if p.is_file():
            data = p.read_bytes()
            try:
                complete = p.suffix != ".ipynb" or bool(json.loads(data)["cells"])
            except ValueError:
                complete = False
            files[str(p.relative_to(disk))] = [hashlib.sha256(data).hexdigest(), complete]
    return files


before = snapshot()
run = subprocess.run(sys.argv[6:], capture_output=True, text=True)
result.write_text(json.dumps({"before": before, "after": snapshot(), "code": run.returncode,
                              "stdout": run.stdout, "stderr": run.stderr}))
'''


def _namespaces_work() -> str:
    """'' when this machine lets us mount a tmpfs in a user + mount namespace, else why not."""
    if not shutil.which("unshare"):
        return "the unshare command is not installed"
    probe = subprocess.run(["unshare", "--user", "--map-root-user", "--mount", "sh", "-c",
                            "mount -t tmpfs -o size=64k tmpfs /mnt"],
                           capture_output=True, text=True)
    return "" if probe.returncode == 0 else (
        f"user + mount namespaces are unavailable here ({probe.stderr.strip()})")


def _on_small_disk(tmp_path: Path, disk: Path, size: str, mode: str, stage: Path,
                   args: list[str]) -> dict:
    """Run ``casekit ARGS`` with ``disk`` a fresh tmpfs of ``size`` holding ``stage``'s files."""
    why = _namespaces_work()
    if why:
        pytest.skip(why)
    driver = tmp_path / "disk_driver.py"
    driver.write_text(_DISK_DRIVER, encoding="utf-8")
    result = tmp_path / "disk_result.json"
    tmp = Path(tempfile.mkdtemp(prefix="ck", dir="/tmp"))
    disk.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "TMPDIR": str(tmp), "PYTHONPATH": str(ROOT / "src")}
    subprocess.run(["unshare", "--user", "--map-root-user", "--mount", sys.executable,
                    str(driver), str(disk), size, mode, str(stage), str(result),
                    sys.executable, "-m", "casekit.course.cli", *args],
                   env=env, check=True, timeout=600)
    assert not list((tmp / interrupt.RUNS).glob("*")), "a temp folder was left behind"
    shutil.rmtree(tmp, ignore_errors=True)
    return json.loads(result.read_text(encoding="utf-8"))


@pytest.mark.parametrize("mode, says", [("full", "the disk is full"),
                                        ("ro", "the folder is on a read-only file system")])
def test_a_site_on_a_full_or_read_only_disk_keeps_the_previous_one(tmp_path, mode, says):
    from casekit.course.site import build as site_build
    from tests.fixtures.course import site_course

    dirs = site_course(tmp_path / "course")  # its site is ~1.6 MB (the vega bundle alone ~0.9)
    stage = tmp_path / "stage"
    (stage / "site").mkdir(parents=True)
    (stage / "site" / site_build.MARKER).write_text("previous build\n", encoding="utf-8")
    (stage / "site" / "index.html").write_text("<p>previous site</p>", encoding="utf-8")
    disk = tmp_path / "disk"
    got = _on_small_disk(tmp_path, disk, "512k", mode, stage, [
        "site", "--force", "--out", str(disk / "site"),
        "--notebooks", str(dirs["notebooks_dir"]), "--exercises", str(dirs["exercises_dir"]),
        "--instructor", str(dirs["instructor_dir"]), "--docs", str(dirs["docs_dir"])])
    lines = [ln for ln in got["stderr"].splitlines() if ln.strip()]
    assert got["code"] == 1, got
    assert len(lines) == 1 and "Traceback" not in got["stdout"] + got["stderr"], lines
    assert lines[0].startswith(f"Error: cannot write {disk / 'site'}: {says}; "), lines[0]
    assert "previous file is unchanged" in lines[0]
    assert got["after"] == got["before"], "the previous site changed or a partial one was left"


def test_assign_on_a_full_disk_leaves_whole_copies_only(tmp_path):
    from casekit.course import assign as A

    exercises = tmp_path / "exercises"
    A.assign(ROOT / "solutions", exercises)
    roster = tmp_path / "roster.csv"
    roster.write_text("student_id,name\ns000,甲\ns001,乙\ns002,丙\n", encoding="utf-8")
    stage = tmp_path / "stage"
    (stage / "s002").mkdir(parents=True)  # a copy from an earlier run, of the last student
    (stage / "s002" / "01_ecosystem.ipynb").write_text('{"cells": [1]}', encoding="utf-8")
    disk = tmp_path / "handout"
    per_student = sum(p.stat().st_size for p in exercises.glob("*.ipynb"))
    got = _on_small_disk(tmp_path, disk, f"{per_student * 3 // 2 // 1024}k", "full", stage, [
        "assign", "--solutions", str(ROOT / "solutions"), "--exercises", str(exercises),
        "--roster", str(roster), "--out", str(disk)])
    lines = [ln for ln in got["stderr"].splitlines() if ln.strip()]
    assert got["code"] == 1, got
    assert len(lines) == 1 and "Traceback" not in got["stdout"] + got["stderr"], lines
    assert re.fullmatch(rf"Error: cannot write {re.escape(str(disk))}/s00[01]/\d\d_\w+\.ipynb: "
                        r"the disk is full; .*", lines[0]), lines[0]
    after = got["after"]
    assert after["s002/01_ecosystem.ipynb"] == got["before"]["s002/01_ecosystem.ipynb"]
    assert not [f for f in after if "/." in f or f.startswith(".")], "a temp file was left"
    assert all(complete for _, complete in after.values()), "a partial notebook was left"
    assert len(after) > 1, "nothing was written before the disk was full"
