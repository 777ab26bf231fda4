"""WCAG contrast of an element's text, from its computed styles in the browser: the text colour
over the background it is actually drawn on (ancestors' backgrounds composited, the element's
own opacity applied to text and background alike)."""

from __future__ import annotations

from playwright.sync_api import Locator, Page

AA_NORMAL_TEXT = 4.5

_CONTRAST_JS = """(el) => {
  const rgba = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const chain = [];
  for (let node = el; node; node = node.parentElement) chain.unshift(node);
  let behind = [255, 255, 255, 1];
  for (const node of chain.slice(0, -1)) behind = over(rgba(getComputedStyle(node).backgroundColor), behind);
  const style = getComputedStyle(el);
  let background = over(rgba(style.backgroundColor), behind);
  let text = over(rgba(style.color), background);
  const opacity = Number(style.opacity);
  if (opacity < 1) {
    background = over([...background.slice(0, 3), opacity], behind);
    text = over([...text.slice(0, 3), opacity], behind);
  }
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(text), luminance(background)].sort((a, b) => b - a);
  return (light + 0.05) / (dark + 0.05);
}"""


def contrast(element: Locator) -> float:
    return element.evaluate(_CONTRAST_JS)


# The focus ring of the focused element: its outline's style and width, and the contrast of its
# colour with the background it is drawn on (outside the element: the parent's, composited).
_FOCUS_RING_JS = """() => {
  const el = document.activeElement;
  const rgba = (text) => {
    const parts = text.match(/[\\d.]+/g).map(Number);
    return [parts[0], parts[1], parts[2], parts.length > 3 ? parts[3] : 1];
  };
  const over = (top, bottom) => [0, 1, 2].map((i) => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
  const chain = [];
  for (let node = el.parentElement; node; node = node.parentElement) chain.unshift(node);
  let behind = [255, 255, 255, 1];
  for (const node of chain) behind = over(rgba(getComputedStyle(node).backgroundColor), behind);
  const style = getComputedStyle(el);
  const ring = over(rgba(style.outlineColor), behind);
  const luminance = (c) => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const [light, dark] = [luminance(ring), luminance(behind)].sort((a, b) => b - a);
  return {
    element: el.outerHTML.slice(0, 120),
    style: style.outlineStyle,
    width: parseFloat(style.outlineWidth),
    contrast: (light + 0.05) / (dark + 0.05),
  };
}"""


def focus_ring(page: Page) -> dict:
    """{element, style, width (px), contrast} of the outline of the element that has focus."""
    return page.evaluate(_FOCUS_RING_JS)
