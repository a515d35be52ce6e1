"""The GitLab CI/CD component (templates/cmlreport/template.yml), included as a project does.

A merge request pipeline writes `include: - component: $CI_SERVER_FQDN/.../cmlreport@1.0.0`
with inputs; the harness (tests/gitlab_ci.py) checks the inputs and interpolates
`$[[ inputs.NAME ]]` as GitLab does, then the job runs against the fake GitLab like the
`include: remote` template's (test_gitlab_template.py). Both files are held to GitLab's CI
JSON schema, each document of the component on its own.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from tests import gitlab_ci
from tests.e2e.test_gitlab_template import MR, PROJECT, TOKEN, Pipeline, notes, pipeline

pytest_plugins = [
    "tests.e2e.example_project",
    "tests.fakes.gitlab.pytest_plugin",
    "tests.fakes.moto_server",
]
__all__ = ["pipeline"]  # the fixture, shared with the template's tests

ROOT = Path(__file__).resolve().parents[2]
COMPONENT = ROOT / "templates/cmlreport/template.yml"
TEMPLATE = ROOT / "templates/cmlreport.gitlab-ci.yml"
INCLUDE = "$CI_SERVER_FQDN/cmlreport/cmlreport/cmlreport@1.0.0"


def consumer(tmp_path: Path, **inputs: Any) -> dict[str, Any]:
    pipeline_file = tmp_path / ".gitlab-ci.yml"
    doc = {"include": [{"component": INCLUDE, "inputs": inputs}], "stages": ["train", "report"]}
    pipeline_file.write_text(yaml.safe_dump(doc))
    return gitlab_ci.load(pipeline_file)


def gitlab_schema() -> dict[str, Any]:
    import check_jsonschema

    path = Path(check_jsonschema.__file__).parent / "builtin_schemas/vendor/gitlab-ci.json"
    loaded: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return loaded


def test_the_component_posts_the_report_and_its_metrics_as_the_template_does(
    pipeline: Pipeline, tmp_path: Path
) -> None:
    pipeline.doc = consumer(
        tmp_path,
        job_name="model-report",
        stage="report",
        dir="examples/results",
        metrics="metrics.json per_class.csv",
        plots="plots/",
        key="training-report",
        gates="eval.accuracy < 0.99\n",
        allow_failure=True,
    )
    job = gitlab_ci.resolve_job(pipeline.doc, "model-report")
    assert job["allow_failure"] is True and job["stage"] == "report"  # typed, not "True"

    main, after = pipeline.run("model-report", GITLAB_TOKEN=TOKEN)

    assert main.returncode == 1, main.stderr  # the gate failed, after posting
    assert after is not None and after.returncode == 0
    (body,) = notes(pipeline.server)
    assert body.startswith("<!-- cmlreport:training-report -->")
    assert "**1 of 1 gate" in body and "passed=0 failed=1" in body
    widget = (pipeline.repo.path / "examples/results/metrics.txt").read_text().splitlines()
    assert "cmlreport_gates_failed 1" in widget
    assert job["artifacts"]["reports"]["metrics"] == "$CMLREPORT_DIR/$CMLREPORT_METRICS_REPORT"
    assert pipeline.server.user_notes(PROJECT, MR)


def test_the_components_job_runs_the_templates_script() -> None:
    template = gitlab_ci.resolve_job(gitlab_ci.load(TEMPLATE), ".cmlreport-report")
    component = gitlab_ci.load_component(COMPONENT, {})["cmlreport-report"]
    assert component["script"] == template["script"]
    assert set(component["variables"]) >= set(template["variables"])


@pytest.mark.parametrize(
    ("inputs", "says"),
    [
        ({"metric": "m.json"}, "unknown input name provided: ['metric']"),
        ({"allow_failure": "yes"}, "`allow_failure` input: provided value is not a boolean"),
        ({"mode": "sometimes"}, "`mode` input: `sometimes` cannot be used"),
    ],
)
def test_inputs_gitlab_would_refuse_are_refused(
    tmp_path: Path, inputs: dict[str, Any], says: str
) -> None:
    with pytest.raises(ValueError, match="^" + says.replace("[", r"\[").replace("]", r"\]")):
        consumer(tmp_path, **inputs)


def test_every_input_is_described_and_the_readme_lists_it() -> None:
    spec, _ = gitlab_ci.component_documents(COMPONENT)
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name, rules in spec["spec"]["inputs"].items():
        assert rules.get("description"), name
        assert f"| `{name}` |" in readme, name


def test_both_files_pass_gitlabs_ci_schema() -> None:
    schema = gitlab_schema()
    spec, _ = gitlab_ci.component_documents(COMPONENT)
    jsonschema.validate(spec, schema)  # the header
    jsonschema.validate(gitlab_ci.load_component(COMPONENT, {}), schema)  # what GitLab runs
    jsonschema.validate(yaml.safe_load(TEMPLATE.read_text(encoding="utf-8")), schema)
