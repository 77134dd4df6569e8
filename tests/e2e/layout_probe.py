"""What the overflow test measures on a screen, from the browser's semantics tree (Flutter web paints
to a canvas; its `flt-semantics` nodes carry each control's rectangle and label).

* **Horizontal overflow**: no node reaches past the 412 px viewport; the page never scrolls sideways.
* **Cut text**: a one-line text (shorter than two lines of the smallest text, 32 px) whose words
  need far more room than its rectangle has. Flutter clips the rectangle of a text laid out wider
  than the screen to the visible part, so a bare text in a row shows up as a one-line rectangle
  holding a whole paragraph. The need is the label's widest line measured in the browser (canvas,
  the span's font), scaled to the text's size. Not checked inside text fields (their counter says
  more aloud than it shows). Limit: a text merged into a padded panel's node (a warning with its
  own semantics label) is taller than one line, so the rule cannot see it cut; UI230 checks that
  case on the control tree (no bare text in a row that does not wrap).
* **Tap targets**: every button, switch, field and checkbox at least 48 × 48 px, measured where it
  is wholly in view (the screen is scrolled from top to bottom to bring each part into view).
"""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Page

MIN_TAP = 48
LINE_HEIGHT = 1.362  # Noto Sans: ascent + descent per pixel of font size
SINGLE_LINE_BELOW = 32.0  # px: two lines of the smallest text (12 px) are taller
NEED_FACTOR = 1.6  # a one-line text needing this many times its width is cut (fonts differ a little)
TOLERANCE = 0.75  # px
MAX_SCROLLS = 12

_NODES = """() => {
  const scrolls = e => (e.getAttribute('style') || '').includes('scrollbar-width')
    || ['auto', 'scroll'].includes(getComputedStyle(e).overflowY);
  const scrollers = Array.from(document.querySelectorAll('flt-semantics')).filter(scrolls);
  const canvas = document.createElement('canvas').getContext('2d');
  const widest = (span) => {  // the span holds the label and the text, one per line, in one run
    canvas.font = getComputedStyle(span).font;
    return Math.max(...span.textContent.split('\\n').map(line => canvas.measureText(line).width));
  };
  return Array.from(document.querySelectorAll('flt-semantics')).map(e => {
    const r = e.getBoundingClientRect();
    const span = e.querySelector(':scope > span');
    const scroller = scrollers.find(s => s !== e && s.contains(e));
    const v = scroller ? scroller.getBoundingClientRect() : null;
    const owner = e.parentElement && e.parentElement.closest('[flt-semantics-identifier]');
    const inField = !!(owner && owner.querySelector('input, textarea'));
    return {
      id: e.getAttribute('flt-semantics-identifier')
        || (owner ? owner.getAttribute('flt-semantics-identifier') + '>' : '?'),
      role: e.getAttribute('role') || '',
      label: (e.getAttribute('aria-label') || (span ? span.textContent : '')).slice(0, 60),
      x: r.left, y: r.top, w: r.width, h: r.height,
      sw: span && !inField ? widest(span) : 0, sh: span ? span.scrollHeight : 0,
      top: v ? v.top : 0, bottom: v ? v.bottom : innerHeight,
    };
  });
}"""
TAPPABLE = {"button", "switch", "checkbox", "textbox", "slider", "link", "radio", "tab"}


def problems_in_view(nodes: list[dict[str, Any]], width: int) -> list[str]:
    found: list[str] = []
    for n in nodes:
        if n["w"] <= 0 or n["h"] <= 0:
            continue
        name = f"{n['id']} {n['role']} {n['label']!r}".strip()
        if n["x"] < -TOLERANCE or n["x"] + n["w"] > width + TOLERANCE:
            found.append(f"overflow: {name} spans x={n['x']:.0f}..{n['x'] + n['w']:.0f}")
        if n["sw"] and n["sh"] and n["h"] < SINGLE_LINE_BELOW:
            size = n["h"] / LINE_HEIGHT
            need = n["sw"] * size / (n["sh"] / 1.19)  # the span's line height is ~1.19 × its font size
            if need > NEED_FACTOR * n["w"]:
                found.append(f"cut text: {name} needs ~{need:.0f} px on one line, has {n['w']:.0f}")
        # A node at the edge of the scrolled area may be cut by it: measured once scrolled into view.
        wholly_in_view = n["y"] > n["top"] + TOLERANCE and n["y"] + n["h"] < n["bottom"] - TOLERANCE
        if n["role"] in TAPPABLE and wholly_in_view and min(n["w"], n["h"]) < MIN_TAP - TOLERANCE:
            found.append(f"small target: {name} is {n['w']:.0f}×{n['h']:.0f} px")
    return found


def layout_problems(page: Page, width: int) -> list[str]:
    """Every problem on the screen on show, scrolling it from top to bottom (bounded)."""
    found: list[str] = []
    if page.evaluate("document.documentElement.scrollWidth") > width:
        found.append("the page scrolls sideways")
    seen: set[str] = set()
    previous = None
    for _ in range(MAX_SCROLLS):
        nodes = page.evaluate(_NODES)
        for problem in problems_in_view(nodes, width):
            if problem not in seen:
                seen.add(problem)
                found.append(problem)
        if all(n["y"] + n["h"] <= n["bottom"] + TOLERANCE for n in nodes if n["h"] > 0):
            break  # everything is in view: nothing to scroll to
        signature = [(n["id"], round(n["y"])) for n in nodes]
        if signature == previous:
            break
        previous = signature
        page.mouse.move(width / 2, 400)
        page.mouse.wheel(0, 500)
        page.wait_for_timeout(200)
    if previous is not None:
        page.mouse.wheel(0, -10_000)
        page.wait_for_timeout(200)
    return found
