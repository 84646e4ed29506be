"""What the tests of reflow at 200 % zoom (WCAG 1.4.10) measure in the browser, and the sizes they measure at."""

from __future__ import annotations

from playwright.sync_api import Page

ZOOMED = ({"width": 180, "height": 370}, {"width": 195, "height": 422})  # 360 x 740 and 390 x 844 phones at 200 %
AT_240 = {"width": 240, "height": 500}  # a 480 px wide phone at 200 %, or a 360 px one at 150 %
PHONE_390 = {"width": 390, "height": 844}

# Each "·" that is drawn (a row clips off the one before an item that starts a line) has a word of its line on each
# side.
CUT_SEPARATORS = """() => {
  const drawn = el => el.checkVisibility({visibilityProperty: true}) && el.getBoundingClientRect().width > 1;
  const texts = () => {
    const found = [], walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    while (walker.nextNode()) if (drawn(walker.currentNode.parentElement)) found.push(walker.currentNode);
    return found;
  };
  const boxes = (node, pattern) => [...node.data.matchAll(pattern)].flatMap(match => {
    const range = document.createRange();
    range.setStart(node, match.index); range.setEnd(node, match.index + match[0].length);
    return [...range.getClientRects()];
  });
  const cut = [];
  for (const node of texts()) for (const match of node.data.matchAll(/·/g)) {
    node.parentElement.scrollIntoView({block: "center"});
    const range = document.createRange();
    range.setStart(node, match.index); range.setEnd(node, match.index + 1);
    const dot = range.getBoundingClientRect();
    const hit = document.elementsFromPoint(dot.left + dot.width / 2, dot.top + dot.height / 2);
    if (!hit.includes(node.parentElement)) continue;  // clipped off
    const line = texts().flatMap(other => boxes(other, /[^\\s·]+/g))
      .filter(word => (word.top + word.bottom) / 2 > dot.top && (word.top + word.bottom) / 2 < dot.bottom);
    if (!line.some(word => word.right <= dot.left + 1) || !line.some(word => word.left >= dot.right - 1))
      cut.push((node.parentElement.closest("p, li, dd, div") || node.parentElement).textContent
        .replace(/\\s+/g, " ").trim());
  }
  window.scrollTo(0, 0);
  return cut;
}"""

# Wider than the screen, or scrolling inside a box of its own (a field's text aside). Not what is not drawn: a text for
# screen readers alone (clipped to a pixel), nor a "·" its row clips off (partials/dots.html), past the screen's edge.
OVERFLOWING = """() => {
  const width = document.documentElement.clientWidth, found = [];
  if (document.documentElement.scrollWidth > width) found.push(`the page, ${document.documentElement.scrollWidth} px`);
  for (const el of document.body.querySelectorAll("*")) {
    const box = el.getBoundingClientRect();
    if (!el.checkVisibility() || box.width <= 1 || el.matches("input, select, textarea")) continue;
    if (el.closest(".visually-hidden")) continue;
    if (el.matches(".dots .dot") && box.right <= el.closest(".dots").getBoundingClientRect().left - 5) continue;
    const name = `${el.tagName.toLowerCase()}.${el.className} «${el.textContent.trim().slice(0, 30)}»`;
    if (box.left < -0.5 || box.right > width + 0.5)
      found.push(`${name}: ${Math.round(box.left)}-${Math.round(box.right)} px`);
    if (el.scrollWidth > el.clientWidth + 1 && getComputedStyle(el).overflowX !== "visible")
      found.push(`${name} scrolls`);
  }
  return found;
}"""

# Each word cut inside, in an element or the whole page: drawn on more than one line. A word is what lies between two
# spaces (a no-break one holds "10 mars" or "« Titre »" together), or ends with its own hyphen, where a line may end.
# An address ("https://…/invitation") is no word: it breaks where it must, as no size of letters would fit it.
WORDS_CUT = """root => {
  const cut = [], range = document.createRange();
  const walker = document.createTreeWalker(root || document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode, parent = node.parentElement;
    if (!parent.checkVisibility({visibilityProperty: true}) || parent.closest(".visually-hidden")) continue;
    for (const word of node.data.matchAll(/[^ \\t\\n\\r-]+-?/g)) {
      range.setStart(node, word.index);
      range.setEnd(node, word.index + word[0].length);
      const lines = new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.bottom)));
      if (lines.size > 1 && !word[0].includes("://"))
        cut.push(`«${word[0]}» on ${lines.size} lines in ${parent.tagName.toLowerCase()}.${parent.className}`);
    }
  }
  return cut;
}"""

LINES = """el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter(r => r.width).map(r => Math.round(r.top))).size;
}"""


def reflows(page: Page) -> None:
    size = page.viewport_size
    assert page.evaluate(OVERFLOWING) == [], f"{page.url} at {size}"
    assert page.evaluate(WORDS_CUT) == [], f"words cut inside on {page.url} at {size}"
    assert page.evaluate(CUT_SEPARATORS) == [], f"a “·” ends or starts a line on {page.url} at {size}"


def at_each_size(page: Page, sizes: tuple[dict, ...], n: int):
    """The sizes for the n-th page of a row, each page loaded once and resized: its layout is its CSS's alone (no
    script reads a width), the same as loaded at that size. Every other page goes through them backwards, so that it
    starts at the size the page before it ended at, one resize fewer."""
    for size in sizes if n % 2 == 0 else sizes[::-1]:
        if page.viewport_size != size:
            page.set_viewport_size(size)
        yield size
