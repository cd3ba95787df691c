"""``creditloop simulate`` with a scenario that has a ``faults`` block runs the fault injector on its own SQLite
ledger and reports what it injected; ``demo`` refuses such a scenario before writing anything."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Run from a scratch directory with this checkout's code first on the path (PYTHONPATH may be relative).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(SRC), os.environ.get("PYTHONPATH")]))}
    return subprocess.run(
        [sys.executable, "-m", "creditloop", *args], capture_output=True, text=True, cwd=cwd, env=env, timeout=600
    )


def test_simulate_runs_a_chaos_scenario_and_demo_refuses_it(tmp_path: Path) -> None:
    scenario = tmp_path / "mini.json"
    scenario.write_text(json.dumps({"name": "mini", "shock": None, "faults": {"lines": 3, "days": 12, "crash": 0.2}}))
    done = run("simulate", "--scenario", str(scenario), "--seed", "5", "--out", "out", "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["scenario"] == "mini" and summary["seed"] == 5
    assert summary["imbalance_minor"] == 0 and summary["faults"]["crash"] > 0 and summary["accepted"] > 0
    assert json.loads((tmp_path / "out" / "summary.json").read_text())["operations"] == summary["operations"]
    verify = run("journal", "verify", "--data-dir", "out", cwd=tmp_path)
    assert verify.returncode == 0, verify.stdout + verify.stderr

    refused = run("demo", "--scenario", str(scenario), "--data-dir", "demo", cwd=tmp_path)
    assert refused.returncode == 2
    assert "fault-injection run" in refused.stderr + refused.stdout
    assert not (tmp_path / "demo").exists()  # nothing half-written


def test_a_bad_faults_block_is_a_usage_error(tmp_path: Path) -> None:
    scenario = tmp_path / "bad.json"
    scenario.write_text(json.dumps({"name": "bad", "shock": None, "faults": {"crash": 2}}))
    done = run("simulate", "--scenario", str(scenario), "--out", "out", cwd=tmp_path)
    assert done.returncode == 2
    assert "faults.crash must be between 0 and 1" in done.stderr + done.stdout
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "out").exists()
