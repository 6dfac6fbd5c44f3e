"""Measures of a page on a 390 × 844 phone, shared by the phone tests.

``too_wide`` lists visible elements whose box reaches past the viewport (a mobile browser
widens its layout viewport to the content, so the page's scrollWidth is one of them).
``squeezed_cells`` lists table cells narrower than the shortest word of their text: a
column squeezed so far that a word (an ID number, a name) breaks letter by letter. Words
are runs without white space; a run of Chinese characters breaks between characters like
any line of Chinese text, so its "word" is its widest character. A word wider than the
phone itself is measured against the phone's width. A card list's column titles are
clipped to nothing on purpose (read aloud only): they are not measured, unless the list
sorts (its sortable titles are then a line of links above the cards)."""

PHONE = {"width": 390, "height": 844}

_TOO_WIDE = """() => {
  const width = document.documentElement.clientWidth;
  const found = [];
  const scroll = document.documentElement.scrollWidth;
  if (scroll > width) found.push(`page scrollWidth ${scroll}`);
  for (const el of document.querySelectorAll('body *')) {
    const style = getComputedStyle(el);
    if (style.display === 'none' || style.visibility === 'hidden') continue;
    // Hidden, or read aloud only (a card list's column titles, visually clipped).
    if (el.closest('.sr-only, [hidden], .d-none, .modal:not(.show), .dropdown-menu:not(.show), .collapse:not(.show), ' +
                   'table.cb-stacked > thead:not(:has(th a)), .select2-hidden-accessible, .select2-offscreen')) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0 || box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5) {
      const name = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
        (el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
      found.push(`${name} [${Math.round(box.left)}, ${Math.round(box.right)}] ${(el.innerText || '').trim().slice(0, 30)}`);
    }
  }
  return found.slice(0, 10);
}"""

_SQUEEZED = """() => {
  const width = document.documentElement.clientWidth;
  const canvas = document.createElement('canvas').getContext('2d');
  const found = [];
  for (const cell of document.querySelectorAll('main td, main th')) {
    const style = getComputedStyle(cell);
    if (style.display === 'none' || cell.closest('.sr-only, [hidden], .d-none, table.cb-stacked > thead:not(:has(th a))')) continue;
    const text = (cell.innerText || '').trim();
    if (!text) continue;
    canvas.font = `${style.fontWeight} ${style.fontSize} ${style.fontFamily}`;
    const words = text.split(/\\s+/).map(word => {
      // A run of Chinese breaks anywhere: its widest character is what must fit.
      const parts = word.split(/(?=[\\u3400-\\u9fff\\uff00-\\uffef])|(?<=[\\u3400-\\u9fff\\uff00-\\uffef])/);
      return Math.max(...parts.map(part => canvas.measureText(part).width));
    });
    const shortest = Math.min(Math.min(...words), width * 0.8);
    const inner = cell.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
    if (inner + 1 < shortest) found.push(`${text.slice(0, 30)}: ${Math.round(inner)} px < ${Math.round(shortest)} px`);
  }
  return found.slice(0, 5);
}"""


def too_wide(page):
    return page.evaluate(_TOO_WIDE)


def squeezed_cells(page):
    return page.evaluate(_SQUEEZED)
