"""Accessibility checks in the browser tests: axe-core (vendored in ``tests/vendor/axe-core``) run on a page.

axe is injected through the DevTools protocol (``page.evaluate``), not as a script tag, so the pages'
Content Security Policy (no inline script) applies to the pages as served and the check alike.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
BLOCKING = ("serious", "critical")
"""Impacts a page may not have (colour contrast is serious)."""


def violations(page: Any, impacts: tuple[str, ...] = BLOCKING) -> list[dict[str, Any]]:
    """Return axe's WCAG 2 A/AA violations of the page as it is now, those of the given ``impacts``.

    Each as ``{"id", "impact", "help", "targets"}`` (targets: the CSS selectors of the offending nodes),
    so a failing assertion says what to fix where.
    """
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    found = page.evaluate("""() => axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa"]}})
        .then((r) => r.violations.map((v) => ({id: v.id, impact: v.impact, help: v.help,
                                               targets: v.nodes.slice(0, 5).map((n) => n.target.join(" "))})))""")
    return [v for v in found if v["impact"] in impacts]
