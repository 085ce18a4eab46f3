// Count badges of index pages: every <span data-stoa-count data-url="..."> of
// the page filled from one GET /api/v1/counts (50 URLs per call at most).
// data-stoa-count="likes" or "comments" shows one number, empty shows both.
import { api } from '../core/api.js';
import { t } from '../core/i18n.js';
import { pageUrl, plural } from './page.js';

const PER_CALL = 50;

export async function fillCounts(badges) {
  const urls = [...new Set(badges.map((b) => pageUrl(b.dataset.url)))];
  const found = new Map();
  for (let i = 0; i < urls.length; i += PER_CALL) {
    const part = urls.slice(i, i + PER_CALL);
    try {
      const answer = await api('GET', `/counts?${part.map((u) => `url=${encodeURIComponent(u)}`).join('&')}`);
      answer.items.forEach((item, k) => found.set(part[k], item));
    } catch (e) {
      console.warn('stoa: counts', e);
    }
  }
  for (const badge of badges) {
    const item = found.get(pageUrl(badge.dataset.url));
    if (!item) continue;
    const which = badge.dataset.stoaCount;
    const parts = [];
    if (which !== 'likes') parts.push(plural(t, 'widget.comments', item.comments));
    if (which !== 'comments') parts.push(plural(t, 'widget.likes', item.likes));
    badge.textContent = parts.join(' · ');
    badge.classList.add('stoa-count');
    badge.dataset.stoaState = 'ready';
  }
}
