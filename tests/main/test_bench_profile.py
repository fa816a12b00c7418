"""bench/load.py --profile-web: py-spy's raw stacks summed by part, step and app function."""
from __future__ import annotations

import importlib
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
#: py-spy's raw format, its paths as it prints them: the repository's relative to it, libraries' to site-packages
RAW = """\
process 1:"gunicorn";ThreadWorker.handle (gunicorn/workers/gthread.py:553);show (app/scenes/routes.py:73);\
_render (flask/templating.py:130);root (templates/scenes/_segment.html:4) 6
process 1:"gunicorn";ThreadWorker.handle (gunicorn/workers/gthread.py:553);show (app/scenes/routes.py:73);\
scene_page (app/story/presenters.py:117);DefaultDialect.do_execute (sqlalchemy/engine/default.py:942);\
Cursor.execute (psycopg/cursor.py:97) 3
process 2:"gunicorn";ThreadWorker.handle (gunicorn/workers/gthread.py:553);home (app/main/routes.py:20);\
home (app/main/routes.py:25) 1

not a stack
"""


@pytest.fixture
def profile(monkeypatch):
    monkeypatch.syspath_prepend(str(BENCH))
    return importlib.import_module("_load_profile")


def test_the_web_profile_sums_self_time_by_part_steps_and_app_functions(profile):
    summary = profile.summary(RAW)
    lines = {line.rsplit(None, 1)[0].strip(): line.rsplit(None, 1)[1] for line in summary.splitlines()[2:]
             if line.startswith("  ")}
    assert summary.startswith("web CPU profile: 10 samples holding the GIL")
    assert lines["templates (Jinja, MarkupSafe, the templates' own code)"] == "60.0%"
    assert lines["PostgreSQL driver and round trips (psycopg)"] == "30.0%"
    assert lines["app code"] == "10.0%"  # the innermost frame is the app's own
    assert lines["rendering templates (incl. SQL sent from them)"] == "60.0%"
    assert lines["SQL statements (driver, incl. waiting for PostgreSQL)"] == "30.0%"
    assert lines["show (app/scenes/routes.py)"] == "90.0%"
    assert lines["home (app/main/routes.py)"] == "10.0%"  # once a stack, though it shows twice in it


def test_no_sample_says_so(profile):
    assert profile.summary("") == "py-spy recorded no sample holding the GIL"
