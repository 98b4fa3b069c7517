"""One module for the notebook conventions, and the JSON Schemas of the declarative files."""

from __future__ import annotations

import copy
from pathlib import Path

import nbformat
import pytest
import yaml

from casekit import schemas
from casekit.course import grade as G
from casekit.course import notebooks as N
from casekit.course import params as P
from casekit.data import _catalog
from casekit.errors import NotebookError, SchemaViolationError
from tests.fixtures import toy_exercise as toy

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def solution_nb(tmp_path: Path):
    return N.read_notebook(toy.write_solution(tmp_path / "solutions"))


# --- the conventions ---------------------------------------------------------------------------


def test_every_question_kind_the_grader_knows_has_a_bilingual_label():
    kinds_in_grader = {"number", "integer", "choice", "items", "sequence", "text", "check"}
    assert set(N.QUESTION_KINDS) == kinds_in_grader
    for kind in kinds_in_grader:
        zh, en = N.QUESTION_KINDS[kind]
        assert zh and en and N.kind_label(kind) == f"{zh} {en}"
        # compare() treats every declared kind; none falls through to "unknown kind"
        question = {"kind": kind, "points": 1, "check": "casekit.checks:budget_split"}
        status, _ = G.compare(question, "x", "y")
        assert "unknown" not in status
    assert N.kind_label("int") == "int"  # an old name is not silently relabelled


def test_schema_kinds_are_the_module_kinds():
    question = schemas.load_schema("notebook_metadata")["$defs"]["question"]
    assert set(question["properties"]["kind"]["enum"]) == set(N.QUESTION_KINDS)


def test_discovery_is_one_rule(tmp_path: Path):
    for name in ("00_a.ipynb", "10_b_c.ipynb", "scratch.ipynb", "1_c.ipynb", "02_Caps.ipynb"):
        (tmp_path / name).write_text("{}", encoding="utf-8")
    assert [p.name for p in N.discover(tmp_path)] == ["00_a.ipynb", "10_b_c.ipynb"]
    assert N.discover(tmp_path / "missing") == []


def test_opening_cell_is_parsed_once_for_every_tool(tmp_path: Path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "# 03 推广\n\n## 学习目标\n- 目标一\n* 目标二\n\n## 预计用时\n约 45 分钟\n\n"
            "## English summary\nLine one.\n\nLine two.\n"
        ),
        nbformat.v4.new_markdown_cell("## 讨论题\n1. 第一题\n   续行\n2、第二题\n"),
    ]
    head = N.opening(nb, tmp_path / "03_promo.ipynb")
    assert (head.number, head.title, head.minutes) == ("03", "推广", 45)
    assert head.objectives == ("目标一", "目标二")
    assert head.summary_en == ("Line one.", "Line two.")
    assert N.discussion_questions(nb) == ((1, "第一题续行"), (2, "第二题"))
    nb.cells[0].source = "# 练习\n\n预计用时：30 分钟\n"
    assert N.exercise_minutes(nb) == 30
    assert N.opening(nb, tmp_path / "03_promo.ipynb").has_timing is False


def test_write_notebook_is_canonical_and_skips_unchanged(tmp_path: Path, solution_nb):
    target = tmp_path / "out" / "01_toy.ipynb"
    assert N.write_notebook(target, solution_nb) is True
    assert target.read_bytes() == N.notebook_bytes(solution_nb)
    assert N.write_notebook(target, solution_nb) is False


def test_committed_notebooks_pass_their_schema():
    for path in N.discover([ROOT / "notebooks", ROOT / "solutions", ROOT / "exercises"]):
        nb = N.read_notebook(path)
        schemas.check_notebook_metadata(nb.metadata.get("casekit", {}), str(path))


# --- bad metadata: clear errors naming the file and the field ---------------------------------


def test_parameter_given_as_a_type_name_is_a_notebook_error(solution_nb):
    solution_nb.metadata.casekit.parameters["seed"] = "int"
    with pytest.raises(NotebookError, match=r"toy.ipynb: metadata\.casekit\.parameters\.seed: "
                       r"'int' is not of type 'object'"):
        P.schema_from_metadata(solution_nb, "solutions/01_toy.ipynb")


def test_vary_without_a_range_is_a_notebook_error(solution_nb):
    del solution_nb.metadata.casekit.parameters["seed"]["min"]
    with pytest.raises(NotebookError, match=r"parameters\.seed: 'min' is required "
                       r"\(a parameter with vary: true needs a range"):
        P.check_notebook(solution_nb, "solutions/01_toy.ipynb")


def test_unknown_parameter_field_and_type_are_named(solution_nb):
    bad = copy.deepcopy(solution_nb)
    bad.metadata.casekit.parameters["seed"]["maximum"] = 3
    with pytest.raises(NotebookError, match=r"parameters\.seed: .*'maximum' was unexpected"):
        P.check_notebook(bad, "x.ipynb")
    bad = copy.deepcopy(solution_nb)
    bad.metadata.casekit.parameters["seed"]["type"] = "integer"
    with pytest.raises(NotebookError, match=r"parameters\.seed\.type: 'integer' is not one of"):
        P.check_notebook(bad, "x.ipynb")


def test_bad_question_specs_are_named_and_extra_fields_are_allowed(solution_nb):
    spec = solution_nb.metadata.casekit.exercise
    spec.questions[0]["note_zh"] = "基础"  # another engineer's field: accepted
    spec.questions[0]["extra"] = {"any": "thing"}
    assert N.exercise_spec(solution_nb, "s.ipynb")["questions"][0]["note_zh"] == "基础"
    spec.questions[0]["level"] = "基础"  # a contract field (issue 12): its shape is checked
    with pytest.raises(NotebookError, match=r"questions\[0\]\.level: '基础' is not one of"):
        N.exercise_spec(solution_nb, "s.ipynb")
    spec.questions[0]["level"] = "apply"
    spec.questions[1]["kind"] = "int"
    with pytest.raises(NotebookError, match=r"s\.ipynb: metadata\.casekit\.exercise\.questions"
                       r"\[1\]\.kind: 'int' is not one of"):
        N.exercise_spec(solution_nb, "s.ipynb")
    spec.questions[1]["kind"] = "integer"
    del spec.questions[2]["points"]
    with pytest.raises(NotebookError, match=r"questions\[2\]: 'points' is required"):
        N.exercise_spec(solution_nb, "s.ipynb")
    spec.questions[2]["points"] = 1
    spec.questions[3]["id"] = spec.questions[0]["id"]
    with pytest.raises(NotebookError, match=r"questions\[3\]\.id: question id 'q1' is used twice"):
        N.exercise_spec(solution_nb, "s.ipynb")


def test_misspelt_notebook_level_key_is_refused(solution_nb):
    solution_nb.metadata.casekit["parameter"] = {}
    with pytest.raises(NotebookError, match=r"'parameter' was unexpected"):
        N.exercise_spec(solution_nb, "s.ipynb")


# --- the catalogue ------------------------------------------------------------------------------


@pytest.fixture
def catalog_doc():
    with (ROOT / "datasets" / "catalog.yaml").open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def test_committed_catalogue_passes_its_schema(catalog_doc):
    _catalog.check_catalog(catalog_doc, "datasets/catalog.yaml")


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d["datasets"].update(x="oops"),
         r"catalog\.datasets\.x: 'oops' is not of type 'object'"),
        (lambda d: d["datasets"]["flagship_stages"].pop("kind"),
         r"catalog\.datasets\.flagship_stages: 'kind' is required"),
        (lambda d: d["datasets"]["flagship_stages"]["columns"][0].update(type="integer"),
         r"flagship_stages\.columns\[0\]\.type: 'integer' is not one of"),
        (lambda d: d["datasets"]["flagship_stages"].update(sources=[]),
         r"flagship_stages\.sources: \[\] should be non-empty"),
        (lambda d: d["datasets"]["flagship_stages"]["title"].pop("en"),
         r"flagship_stages\.title: 'en' is required"),
        (lambda d: d["datasets"]["flagship_stages"]["columns"][1]["description"].update(x="y"),
         r"flagship_stages\.columns\[1\]\.description: .*'x' was unexpected"),
        (lambda d: d.pop("datasets"), r"catalog: 'datasets' is required"),
    ],
)
def test_bad_catalogue_entries_are_schema_violations(catalog_doc, change, message):
    change(catalog_doc)
    prefix = r"datasets/catalog\.yaml: (catalog\.datasets\.)?"
    with pytest.raises(SchemaViolationError, match=prefix + message):
        _catalog.check_catalog(catalog_doc, "datasets/catalog.yaml")


def test_catalogue_rules_beyond_the_schema(catalog_doc):
    entry = catalog_doc["datasets"]["flagship_stages"]
    entry["columns"] = [c for c in entry["columns"] if c["name"] != "source"]
    with pytest.raises(SchemaViolationError, match="needs a 'source' column"):
        _catalog.check_catalog(catalog_doc, "cat.yaml")
    entry["columns"].append(dict(entry["columns"][0]))
    with pytest.raises(SchemaViolationError, match=r"columns\[\d+\]\.name: column 'stage' is "
                       "declared twice"):
        _catalog.check_catalog(catalog_doc, "cat.yaml")
