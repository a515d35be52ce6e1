"""`report` and `diff` on the files ML tools write: logs, Hugging Face, MLflow runs, dvclive."""

from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

from tests.e2e.conftest import Run
from tests.gitrepo import GitRepo

DATA = Path(__file__).parents[1] / "data"


def two_runs(tmp_path: Path, files: dict[str, tuple[str, str]]) -> GitRepo:
    """main holds each file's base sample, the checked-out branch its head sample."""
    repo = GitRepo.init(tmp_path / "project")
    for side in (0, 1):
        for target, samples in files.items():
            dest = repo.path / target
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(DATA / samples[side], dest)
        repo.commit("base run" if side == 0 else "head run")
        if side == 0:
            repo.branch("feature")
            repo.checkout("feature")
    return repo


def one_run(tmp_path: Path, files: dict[str, str]) -> GitRepo:
    repo = GitRepo.init(tmp_path / "project")
    for target, sample in files.items():
        dest = repo.path / target
        dest.parent.mkdir(parents=True, exist_ok=True)
        if (DATA / sample).is_dir():
            shutil.copytree(DATA / sample, dest)
        else:
            shutil.copyfile(DATA / sample, dest)
    repo.commit("the run")
    return repo


def last_row(sample: str) -> dict[str, float]:
    with (DATA / sample).open(newline="") as f:
        rows = list(csv.DictReader(f))
    return {k.strip(): float(v) for k, v in rows[-1].items()}


def test_diff_of_two_keras_logs_compares_their_last_epochs(tmp_path: Path, run: Run) -> None:
    repo = two_runs(
        tmp_path, {"training.log": ("keras/speaker10_training.log", "keras/training.log")}
    )
    result = run("diff", "training.log", "--base", "main", "--format", "json", cwd=repo.path)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    base, head = last_row("keras/speaker10_training.log"), last_row("keras/training.log")
    for key in ("acc", "loss", "val_acc", "val_loss"):
        assert data[key]["old"] == base[key] and data[key]["new"] == head[key]
    assert data["val_loss"]["verdict"] == "worse"
    assert "training.log is a training log" in result.stderr


def test_report_on_yolov5_results_and_hyp_yaml_notes_the_log_and_draws_curves(
    tmp_path: Path, run: Run
) -> None:
    repo = two_runs(
        tmp_path,
        {
            "runs/train/exp/results.csv": (
                "ultralytics/yolov5_results_exp2.csv",
                "ultralytics/yolov5_results.csv",
            ),
            "runs/train/exp/hyp.yaml": ("ultralytics/hyp.yaml", "ultralytics/hyp.yaml"),
        },
    )
    args = ("-m", "runs/train/exp/results.csv", "-m", "runs/train/exp/hyp.yaml")
    result = run("report", *args, "--base", "main", cwd=repo.path)
    assert result.code == 0, result.stderr
    md = (repo.path / "report.md").read_text()
    assert "runs/train/exp/results.csv is a training log (13 columns by epoch)" in md.replace(
        "\\", ""
    )
    assert "last logged value" in md
    assert "![Training curves: runs/train/exp/results.csv](report-plots/curves-1.png)" in md
    assert (repo.path / "report-plots/curves-1.png").read_bytes().startswith(b"\x89PNG")
    sidecar = (repo.path / "report-plots/curves-1.mmd").read_text()
    # Base and head logged other epochs: mermaid cannot leave gaps, so head's chart is its own.
    assert "xychart-beta" in sidecar and "train/box_loss (head)" in sidecar
    assert "wrote report-plots/curves-1.png" in result.stdout.replace("\\", "/")
    plain = run("report", *args, "--base", "main", "--charts", "none", "-o", "r.md", cwd=repo.path)
    assert plain.code == 0 and "Training curves" not in (repo.path / "r.md").read_text()
    assert ">metrics/mAP\\_0.5:0.95<" in md and "0.4888" in md
    assert ">lr0<" in md  # hyp.yaml's settings are shown next to the log's metrics


def test_a_sparse_lightning_log_reports_each_columns_own_last_value(
    tmp_path: Path, run: Run
) -> None:
    repo = one_run(
        tmp_path, {"lightning_logs/version_5/metrics.csv": "lightning/slm_training_metrics.csv"}
    )
    args = ("diff", "lightning_logs/version_5/metrics.csv", "--no-base", "--format", "json")
    result = run(*args, cwd=repo.path)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    with (DATA / "lightning/slm_training_metrics.csv").open(newline="") as f:
        rows = list(csv.DictReader(f))
    last_val = next(float(r["val_loss"]) for r in reversed(rows) if r["val_loss"])
    last_train = next(float(r["train_loss_step"]) for r in reversed(rows) if r["train_loss_step"])
    assert data["val_loss"]["new"] == last_val
    assert data["train_loss_step"]["new"] == last_train


def test_log_value_best_and_a_bad_log_value(tmp_path: Path, run: Run) -> None:
    repo = one_run(tmp_path, {"training.log": "keras/speaker10_training.log"})
    args = ("diff", "training.log", "--no-base", "--format", "json")
    result = run(*args, "--log-value", "val_*=best", cwd=repo.path)
    assert result.code == 0, result.stderr
    with (DATA / "keras/speaker10_training.log").open(newline="") as f:
        rows = list(csv.DictReader(f))
    data = json.loads(result.stdout)
    assert data["val_acc"]["new"] == max(float(r["val_acc"]) for r in rows)
    assert data["val_loss"]["new"] == min(float(r["val_loss"]) for r in rows)
    bad = run(*args, "--log-value", "top", cwd=repo.path)
    assert bad.code == 2
    assert bad.stderr.count("\n") == 1 and "--log-value 'top'" in bad.stderr
    assert "Traceback" not in bad.stderr


def test_trainer_state_report_has_eval_metrics_curves_and_no_nulls(
    tmp_path: Path, run: Run
) -> None:
    repo = one_run(
        tmp_path,
        {
            "output/trainer_state.json": "huggingface/trainer_state.json",
            "output/all_results.json": "huggingface/all_results.json",
        },
    )
    args = ("-m", "output/trainer_state.json", "-m", "output/all_results.json", "--no-base")
    result = run("report", *args, "--charts", "mermaid", cwd=repo.path)
    assert result.code == 0, result.stderr
    md = (repo.path / "report.md").read_text()
    # all_results.json holds eval_loss too: both are named by their file.
    assert ">output/trainer\\_state.json:eval\\_loss<" in md and ">learning\\_rate<" in md
    assert ">eval\\_rougeL<" in md  # all_results.json, a plain mapping of scalars
    assert "best\\_metric" not in md  # null in the file: left out, as dvc does
    assert "output/trainer\\_state.json is a training log" in md
    assert 'x-axis "step"' in md and 'title "output/trainer_state.json: loss' in md
    assert 'title "output/trainer_state.json: epoch' not in md


def test_mlflow_run_folder_diff_and_report(tmp_path: Path, run: Run) -> None:
    # The same run folder holds another real run's files on the branch (a re-run).
    run_dir = "mlruns/0/0d8653353e3e43beb89442a8bca1a94d"
    other = "mlflow/mlruns/0/12ffb4f0709f437784bd8d63a270d702"
    mine = f"mlflow/{run_dir}"
    names = ["metrics/mae", "metrics/r2", "metrics/rmse", "params/alpha", "tags/mlflow.user"]
    repo = two_runs(tmp_path, {f"{run_dir}/{n}": (f"{other}/{n}", f"{mine}/{n}") for n in names})
    (repo.path / run_dir / "meta.yaml").write_bytes((DATA / mine / "meta.yaml").read_bytes())
    result = run("diff", run_dir, "--base", "main", "--format", "json", cwd=repo.path)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["mae"]["old"] == 0.6271946374319586 and data["mae"]["new"] == 0.5627373693033669
    assert data["mae"]["verdict"] == "better"
    assert data["params.alpha"]["old"] == "0.5" and data["params.alpha"]["new"] == "0.1"
    report = run("report", "-m", run_dir, "--base", "main", cwd=repo.path)
    assert report.code == 0, report.stderr
    md = (repo.path / "report.md").read_text()
    assert "| params.alpha | 0.5 | 0.1 |" in md


def test_a_broken_mlflow_metric_file_is_one_line_exit_2(tmp_path: Path, run: Run) -> None:
    repo = one_run(tmp_path, {"run": "mlflow/mlruns/0/0d8653353e3e43beb89442a8bca1a94d"})
    (repo.path / "run/metrics/loss").write_text("1700000000000 not-a-number 0\n")
    result = run("report", "-m", "run", "--no-base", cwd=repo.path)
    assert result.code == 2
    assert result.stderr.count("\n") == 1
    assert "run/metrics/loss: line 1" in result.stderr and "Traceback" not in result.stderr


def test_dvclive_outputs_metrics_and_plots_tsv(tmp_path: Path, run: Run) -> None:
    repo = one_run(tmp_path, {"dvclive": "dvclive/dvclive"})
    files = ("dvclive/metrics.json", "dvclive/plots/metrics/train/loss.tsv")
    result = run("diff", *files, "--no-base", "--format", "json", cwd=repo.path)
    assert result.code == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["train.loss"]["new"] == 0.05616318807005882  # metrics.json
    assert data["loss"]["new"] == 0.05616318807005882  # the log's last step, the same value
    assert data["dvclive/metrics.json:step"]["new"] == 999
    assert data["dvclive/plots/metrics/train/loss.tsv:step"]["new"] == 999


def test_log_value_per_key_from_the_project_settings(tmp_path: Path, run: Run) -> None:
    repo = one_run(tmp_path, {"training.log": "keras/speaker10_training.log"})
    (repo.path / ".cmlreport.yaml").write_text("log-value: ['val_loss=min', 'acc=max']\n")
    args = ("diff", "training.log", "--no-base", "--format", "json")
    with (DATA / "keras/speaker10_training.log").open(newline="") as f:
        rows = list(csv.DictReader(f))
    data = json.loads(run(*args, cwd=repo.path).stdout)
    assert data["val_loss"]["new"] == min(float(r["val_loss"]) for r in rows)
    assert data["acc"]["new"] == max(float(r["acc"]) for r in rows)
    assert data["val_acc"]["new"] == float(rows[-1]["val_acc"])
    # The flag comes first: its rule wins over the settings' one for the same column.
    flagged = json.loads(run(*args, "--log-value", "val_loss=last", cwd=repo.path).stdout)
    assert flagged["val_loss"]["new"] == float(rows[-1]["val_loss"])
    (repo.path / ".cmlreport.yaml").write_text("log-value: ['val_loss=lowest']\n")
    bad = run("report", "-m", "training.log", "--no-base", cwd=repo.path)
    assert bad.code == 2 and bad.stderr.count("\n") == 1
    assert ".cmlreport.yaml: key 'log-value'" in bad.stderr and "'val_loss=lowest'" in bad.stderr
