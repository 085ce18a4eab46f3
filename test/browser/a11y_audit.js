// A small accessibility audit run in the page by the browser tests (axe-core
// is not in Debian; see README.md). Returns a list of findings (strings);
// the tests fail on any. Called as: return stoaAudit(document).
function stoaAudit(doc) {
  const findings = [];
  const describe = (node) => {
    let s = node.tagName.toLowerCase();
    if (node.id) s += '#' + node.id;
    else if (node.getAttribute('name')) s += '[name=' + node.getAttribute('name') + ']';
    else if (node.className && typeof node.className === 'string') s += '.' + node.className.split(/\s+/)[0];
    const text = (node.textContent || '').trim().slice(0, 30);
    return text ? `${s} "${text}"` : s;
  };
  const textOf = (node) => {
    if (!node) return '';
    let text = '';
    for (const child of node.childNodes) {
      if (child.nodeType === Node.TEXT_NODE) text += child.textContent;
      else if (child.nodeType === Node.ELEMENT_NODE) {
        if (child.getAttribute('aria-hidden') === 'true') continue;
        if (child.tagName === 'IMG') text += child.getAttribute('alt') || '';
        else text += child.getAttribute('aria-label') || textOf(child);
      }
    }
    return text.trim();
  };
  const labelledBy = (node) => (node.getAttribute('aria-labelledby') || '').split(/\s+/)
    .filter(Boolean).map((id) => textOf(doc.getElementById(id))).join(' ').trim();
  const nameOf = (node) => {
    const aria = (node.getAttribute('aria-label') || '').trim();
    if (aria) return aria;
    const by = labelledBy(node);
    if (by) return by;
    if (node.id) {
      for (const label of doc.querySelectorAll('label')) {
        if (label.htmlFor === node.id && textOf(label)) return textOf(label);
      }
    }
    const wrapping = node.closest('label');
    if (wrapping && textOf(wrapping)) return textOf(wrapping);
    return (node.getAttribute('title') || '').trim();
  };

  const lang = doc.documentElement.getAttribute('lang');
  if (!lang || !lang.trim()) findings.push('html has no lang');
  if (!doc.title.trim()) findings.push('document has no title');

  for (const input of doc.querySelectorAll('input, select, textarea')) {
    const type = (input.getAttribute('type') || '').toLowerCase();
    if (type === 'hidden') continue;
    if (['submit', 'button', 'reset'].includes(type)) {
      if (!(input.value || nameOf(input))) findings.push(`button without a name: ${describe(input)}`);
      continue;
    }
    if (!nameOf(input)) findings.push(`form field without a label: ${describe(input)}`);
  }
  for (const button of doc.querySelectorAll('button, [role=button], a[href], summary')) {
    if (!(textOf(button) || nameOf(button))) findings.push(`${button.tagName.toLowerCase()} without an accessible name: ${describe(button)}`);
  }
  for (const img of doc.querySelectorAll('img')) {
    if (!img.hasAttribute('alt')) findings.push(`img without alt: ${img.getAttribute('src') || describe(img)}`);
  }
  const seen = new Map();
  for (const node of doc.querySelectorAll('[id]')) seen.set(node.id, (seen.get(node.id) || 0) + 1);
  for (const [id, n] of seen) if (n > 1) findings.push(`duplicate id "${id}" (${n} times)`);
  for (const node of doc.querySelectorAll('[tabindex]')) {
    if (parseInt(node.getAttribute('tabindex'), 10) > 0) findings.push(`positive tabindex: ${describe(node)}`);
  }
  for (const node of doc.querySelectorAll('[aria-describedby], [aria-labelledby]')) {
    for (const attr of ['aria-describedby', 'aria-labelledby']) {
      for (const id of (node.getAttribute(attr) || '').split(/\s+/).filter(Boolean)) {
        if (!doc.getElementById(id)) findings.push(`${attr} names a missing id "${id}": ${describe(node)}`);
      }
    }
  }

  // WCAG AA contrast of visible text (4.5:1; 3:1 for large text).
  const rgb = (c) => { const m = c.match(/rgba?\(([^)]+)\)/); if (!m) return null; const p = m[1].split(/[ ,/]+/).filter(Boolean).map(Number); return { r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1 }; };
  const lum = ({ r, g, b }) => { const f = (v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; }; return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const background = (node) => {
    for (let n = node; n && n.nodeType === Node.ELEMENT_NODE; n = n.parentElement) {
      const c = rgb(getComputedStyle(n).backgroundColor);
      if (c && c.a > 0.5) return c;
    }
    return { r: 255, g: 255, b: 255, a: 1 };
  };
  const walker = doc.createTreeWalker(doc.body, NodeFilter.SHOW_TEXT);
  const checked = new Set();
  while (walker.nextNode()) {
    const node = walker.currentNode.parentElement;
    if (!node || checked.has(node) || !walker.currentNode.textContent.trim()) continue;
    checked.add(node);
    if (node.closest('[disabled], [hidden], [aria-hidden=true]') || !node.getClientRects().length) continue;
    const style = getComputedStyle(node);
    if (style.visibility === 'hidden') continue;
    const fg = rgb(style.color);
    if (!fg) continue;
    const l1 = lum(fg); const l2 = lum(background(node));
    const ratio = (Math.max(l1, l2) + 0.05) / (Math.min(l1, l2) + 0.05);
    const size = parseFloat(style.fontSize); const bold = parseInt(style.fontWeight, 10) >= 700;
    const need = size >= 24 || (bold && size >= 18.66) ? 3 : 4.5;
    if (ratio < need) findings.push(`contrast ${ratio.toFixed(2)}:1 < ${need}:1: ${describe(node)}`);
  }
  return findings;
}
