"""One page hammered by wrk, as the issue measured pages: ``wrk -t2 -cN -dS`` against the site, signed in or not.

Signed-in connections send the session cookies of readers signed in beforehand (one seeded writer each,
through the real sign-in form, their welcome message seen, so the cookie stays as the browser would keep
it), a different reader's cookie each request. A page of many addresses (any scene) gets a Lua table of
addresses drawn the way the locust readers draw them, from which each wrk thread picks with its own random seed
(unseeded, both threads picked the same sequence: every address was read twice, close together). A small Lua ``done`` prints the figures as JSON:
requests, errors, and the 50th, 95th and 99th percentiles of latency. wrk's own CPU time is counted as
the load generator's.
"""
from __future__ import annotations

import json
import re
import resource
import shutil
import subprocess
import tempfile
from collections.abc import Callable

from _load_people import SCALE_PASSWORD, Targets  # imports locust first: gevent patches ssl before requests loads

#: addresses in the Lua table of a page that has many (drawn like the locust readers' picks)
ADDRESSES = 4000

_SCRIPT = """
local paths = {%(paths)s}
local cookies = {%(cookies)s}
local n = 0
local threads = 0
setup = function(thread)
  threads = threads + 1
  thread:set("id", threads)
end
init = function(args)
  math.randomseed(os.time() * 100 + id)  -- each thread draws its own addresses, not the same sequence
end
request = function()
  n = n + 1
  local headers = {}
  if #cookies > 0 then headers["Cookie"] = cookies[(n %% #cookies) + 1] end
  return wrk.format("GET", paths[math.random(#paths)], headers)
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format('\\nWRK-FIGURES {"requests": %%d, "errors": %%d, "seconds": %%.3f, "p50": %%d, "p95": %%d, ' ..
    '"p99": %%d}\\n', summary.requests, e.connect + e.read + e.write + e.timeout + e.status, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def available() -> bool:
    return shutil.which("wrk") is not None


def _lua_strings(values: list[str]) -> str:
    return ", ".join(json.dumps(value) for value in values)  # a JSON string is a Lua string here (ASCII paths)


def signed_in_cookies(host: str, accounts: list[str]) -> list[str]:
    """The Cookie header of each account signed in through the sign-in form, its welcome message seen."""
    import requests

    cookies = []
    for account in accounts:
        browser = requests.Session()
        page = browser.get(f"{host}/auth/login", timeout=30).text
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        answer = browser.post(f"{host}/auth/login", data={"identifier": account, "password": SCALE_PASSWORD,
                                                          "csrf_token": token}, allow_redirects=False, timeout=60)
        if answer.status_code != 302:
            raise SystemExit(f"signing in as {account} answered {answer.status_code}")
        browser.get(f"{host}/help", timeout=30)
        cookies.append("; ".join(f"{c.name}={c.value}" for c in browser.cookies))
    return cookies


def addresses(pick: Callable[[Targets], tuple[str, str]], targets: Targets) -> list[str]:
    return sorted({pick(targets)[0] for _ in range(ADDRESSES)})


def hammer(host: str, paths: list[str], cookies: list[str], *, connections: int, seconds: float) -> tuple[dict, float]:
    """Run wrk; its figures (latencies in ms) and the CPU seconds it used."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(_SCRIPT % {"paths": _lua_strings(paths), "cookies": _lua_strings(cookies)})
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    run = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{max(int(seconds), 1)}s", "--timeout", "10s",
                          "-s", script.name, host], capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    found = re.search(r"^WRK-FIGURES (.*)$", run.stdout, re.MULTILINE)
    if run.returncode or not found:
        raise SystemExit(f"wrk failed ({run.returncode}): {run.stdout}{run.stderr}")
    figures = json.loads(found.group(1))
    for name in ("p50", "p95", "p99"):
        figures[name] = round(figures[name] / 1000)
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    return figures, cpu
