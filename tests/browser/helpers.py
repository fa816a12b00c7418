"""Helpers for driving pages under the site's Content-Security-Policy."""
from __future__ import annotations

import time

from playwright.sync_api import Error as PlaywrightError


def wait_until(page, expression: str, arg=None, timeout: float = 30_000) -> None:
    """Wait until ``expression`` (or ``expression(arg)``) is truthy in the page.

    Playwright's wait_for_function compiles its predicate with eval, which the site's Content-Security-Policy
    (no 'unsafe-eval') refuses; page.evaluate goes through DevTools, which the policy does not govern.
    """
    deadline = time.monotonic() + timeout / 1000
    while not _holds(page, expression, arg):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} ms waiting for {expression}")
        page.wait_for_timeout(100)


def _holds(page, expression: str, arg) -> bool:
    try:
        return bool(page.evaluate(expression, arg))
    except PlaywrightError as err:  # the page navigated (a reload) while the check ran: ask again on the new one
        if "context was destroyed" in str(err) or "navigat" in str(err):
            return False
        raise


def watch_for_csp_violations(page) -> list[str]:
    """Collect every Content-Security-Policy violation the page reports (events and console messages)."""
    found: list[str] = []
    page.expose_function("reportCspViolation", lambda text: found.append(text))
    page.add_init_script("document.addEventListener('securitypolicyviolation', e => "
                         "window.reportCspViolation(e.violatedDirective + ' ' + e.blockedURI));")
    page.on("console", lambda message: found.append(message.text)
            if "Content Security Policy" in message.text or "Refused to" in message.text else None)
    return found
