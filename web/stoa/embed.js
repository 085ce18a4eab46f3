// Stoa's embeddable widget. A site adds, in its layout:
//   <script type="module" src="https://stoa.example.org/stoa/embed.js"></script>
//   <div data-stoa-comments></div>            likes, comments, subscribe
//   <span data-stoa-count data-url="/post/">  counts on index pages
// Everything else comes from the origin this file was loaded from: the API,
// the stylesheet (css/widget.css) and the catalogs (i18n/). See README.md.
import { configure } from './js/core/config.js';
import { el } from './js/core/dom.js';
import { loadMessages, pickLanguage } from './js/core/i18n.js';
import { fillCounts } from './js/widget/counts.js';
import { mountComments } from './js/widget/comments.js';

const base = new URL('.', import.meta.url);
const crossOrigin = base.origin !== location.origin;
configure({
  apiBase: `${base.origin}/api/v1`,
  webBase: `${base.origin}${base.pathname.replace(/\/$/, '')}`,
  // Another origin gets the cookies only when fetch asks for them.
  credentials: crossOrigin ? 'include' : 'same-origin',
  crossOrigin,
});

function addStylesheet() {
  const href = new URL('css/widget.css', base).href;
  if (document.querySelector(`link[href="${href}"]`)) return;
  document.head.append(el('link', { rel: 'stylesheet', href }));
}

async function start() {
  const comments = [...document.querySelectorAll('[data-stoa-comments]')];
  const counts = [...document.querySelectorAll('[data-stoa-count]')];
  if (!comments.length && !counts.length) return;
  addStylesheet();
  // The page's language first (the widget speaks like the site), then the browser's.
  await loadMessages(pickLanguage([document.documentElement.lang, ...(navigator.languages || [])]));
  await Promise.all([fillCounts(counts), ...comments.map((node, i) => mountComments(node, i))]);
}

if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
else start();
