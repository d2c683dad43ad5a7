"""The bundled models on the hook path: load with onnxruntime only, score changes and files, explain, gate."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys

from quality_hooks.analysis.engine import analyse_paths
from quality_hooks.config import Config, parse_config
from quality_hooks.gate import judge
from quality_hooks.model.features import MODEL_FEATURES
from quality_hooks.model.scorer import load_change_model, risk_to_score, score_vectors
from quality_hooks.model.scoring import score_results
from quality_hooks.results import FileResult, Level

RISKY = '''"""Parser."""


def parse(text, options={}, *args, **kwargs):
    result = []
    for line in text.splitlines():
        if line:
            if line.startswith("#"):
                continue
            elif "=" in line:
                key, value = line.split("=", 1)
                if key in options:
                    if value == None:
                        result.append((key, options[key]))
                    else:
                        try:
                            result.append((key, int(value)))
                        except:
                            pass
    return result
'''


def test_hook_path_never_imports_sklearn(tmp_path) -> None:
    target = tmp_path / "a.py"
    target.write_text("x = 1\n")
    code = (
        "import sys; from quality_hooks.model.cli import main; main([sys.argv[1], '--format', 'json']); "
        "assert not any(m.split('.')[0] in {'sklearn', 'skl2onnx'} for m in sys.modules), 'sklearn imported'"
    )
    done = subprocess.run([sys.executable, "-c", code, str(target)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


def test_model_loads_once_and_matches_feature_order() -> None:
    assert load_change_model() is load_change_model()
    assert load_change_model().names == list(MODEL_FEATURES)


def test_score_mapping_is_monotone_and_bounded() -> None:
    values = [risk_to_score(r / 100) for r in range(101)]
    assert values[0] == 100.0 and values[-1] == 0.0
    assert all(a >= b for a, b in itertools.pairwise(values))


def test_factors_name_features_that_raise_risk() -> None:
    model = load_change_model()
    medians = [0.0 if m != m else float(m) for m in model.medians]
    risky = list(medians)
    for name, value in {"la": 900, "file_la": 400, "nf": 12, "file_fixes": 30, "file_nuc": 150}.items():
        risky[model.names.index(name)] = value
    base, high = score_vectors([medians, risky], model)
    assert 0.0 <= base.risk < high.risk <= 1.0
    assert high.score == risk_to_score(high.risk)
    assert 1 <= len(high.factors) <= 3
    for factor in high.factors:
        assert factor["feature"] in model.names and factor["risk_added"] > 0 and factor["text"]
    # Compared with the project's own changes when the caller has them.
    raised = ("la", "file_la", "nf", "file_fixes", "file_nuc")  # whichever of them the model ranks on top
    usual = {name: [float(n % 10) for n in range(100)] for name in raised}  # all below the raised values
    (explained,) = score_vectors([risky], model, references=usual)
    texts = [f["text"] for f in explained.factors if f["feature"] in usual]
    assert texts and all("(more than 99% of changes here)" in text for text in texts), texts


def test_score_cli_json_and_text(tmp_path, capsys) -> None:
    from quality_hooks.model.cli import main

    risky = tmp_path / "risky.py"
    risky.write_text(RISKY)
    broken = tmp_path / "broken.py"
    broken.write_text("def (:\n")
    assert main([str(risky), str(broken), "--format", "json"]) == 1  # the broken file is an error
    payload = json.loads(capsys.readouterr().out)
    by_name = {os.path.basename(f["path"]): f for f in payload["files"]}
    assert by_name["broken.py"]["score"] is None and by_name["broken.py"]["error"]
    scored = by_name["risky.py"]["score"]
    assert 0 <= scored["risk"] <= 1 and scored["score"] == risk_to_score(scored["risk"])
    assert main([str(risky)]) == 0
    assert "risky.py: score" in capsys.readouterr().out


def test_score_cli_on_a_staged_change(tmp_path, capsys) -> None:
    from quality_hooks.model.cli import main

    root = tmp_path / "repo"
    root.mkdir()
    env = {**os.environ, "GIT_AUTHOR_NAME": "a", "GIT_AUTHOR_EMAIL": "a@x", "GIT_COMMITTER_NAME": "a",
           "GIT_COMMITTER_EMAIL": "a@x"}  # fmt: skip
    run = lambda *a: subprocess.run(["git", *a], cwd=root, env=env, check=True, capture_output=True)  # noqa: E731
    run("init", "-q")
    (root / "mod.py").write_text('"""M."""\n')
    run("add", "mod.py")
    run("commit", "-q", "-m", "init")
    (root / "mod.py").write_text(RISKY)
    run("add", "mod.py")
    cwd = os.getcwd()
    os.chdir(root)
    try:
        assert main(["--staged", "--format", "json"]) == 0
    finally:
        os.chdir(cwd)
    (entry,) = json.loads(capsys.readouterr().out)["files"]
    assert entry["path"].endswith("mod.py") and 0 <= entry["score"]["risk"] <= 1


def scored_risky_file(tmp_path) -> FileResult:
    """RISKY analysed and scored by the bundled model, as ``check`` does it (a whole-tree check)."""
    target = tmp_path / "risky.py"
    target.write_text(RISKY)
    (result,) = analyse_paths([str(target)], Config(root=str(tmp_path)), with_ruff=False)
    result.score = score_results([result])[result.path].score
    assert result.score is not None and 0.02 < result.score.risk < 0.98, result.score
    return result


def model_gate(risk: dict[str, float], score: dict[str, float]) -> Config:
    return parse_config({"gate": {"max-risk": risk, "min-score": score}})


def test_gate_judges_max_risk_and_min_score_at_both_levels(tmp_path) -> None:
    result = scored_risky_file(tmp_path)
    assert result.score is not None
    risk, value = result.score.risk, result.score.score

    def reasons(config: Config) -> list[tuple[str, Level]]:
        verdict = judge(result, config).verdict
        return [(r.check, r.level) for r in verdict.reasons if r.check in ("max-risk", "min-score")]

    under = model_gate({"warning": risk + 0.01, "critical": risk + 0.02}, {"warning": value - 1, "critical": value - 2})
    assert reasons(under) == []
    warning = model_gate({"warning": risk - 0.01, "critical": risk + 0.01}, {"warning": value + 1})
    assert reasons(warning) == [("max-risk", Level.WARNING), ("min-score", Level.WARNING)]
    critical = model_gate(
        {"warning": risk - 0.02, "critical": risk - 0.01}, {"warning": value + 2, "critical": value + 1}
    )
    verdict = judge(result, critical).verdict
    assert reasons(critical) == [("max-risk", Level.CRITICAL), ("min-score", Level.CRITICAL)]
    assert (verdict.level, verdict.passed) == (Level.CRITICAL, False)
    message = next(r.message for r in verdict.reasons if r.check == "max-risk")
    assert message.startswith(f"file: model defect risk of a file (0..1) {risk:.2f} is above the critical limit")
