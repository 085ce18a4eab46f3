// The projects gallery: search, tag and author filters, sort, pagination;
// the filters live in the address (?q=&tag=&author=&sort=&page=) so a view can be linked.
import { $, api, clear, el, errorMessage, t } from '../stoa.js';
import { boot } from './common.js';

const PER_PAGE = 12;
const form = $('#gallery-form');

function state() {
  const p = new URLSearchParams(location.search);
  return { q: p.get('q') || '', tag: p.get('tag') || '', author: p.get('author') || '', sort: p.get('sort') || 'newest', page: Number(p.get('page')) || 1 };
}

function card(p) {
  const href = `/stoa/project.html?id=${encodeURIComponent(p.id)}`;
  return el('li', { class: 'stoa-card stoa-project-card', 'data-project': p.id },
    p.primary_thumbnail_url || p.primary_image_url
      ? el('img', { src: p.primary_thumbnail_url || p.primary_image_url, alt: '', loading: 'lazy' }) : null,
    el('h2', {}, el('a', { href, text: p.title })),
    el('p', { class: 'stoa-muted', text: t('projects.by', { username: p.author ? p.author.username : '?' }) }),
    el('p', { class: 'stoa-muted', text: t('projects.stats', { likes: p.like_count ?? 0, downloads: p.download_count ?? 0 }) }),
    (p.tags || []).length ? el('ul', { class: 'stoa-tags' }, p.tags.map((tag) => el('li', {}, el('a', { href: `?tag=${encodeURIComponent(tag)}`, text: tag })))) : null);
}

async function show() {
  const s = state();
  for (const k of ['q', 'tag', 'author', 'sort']) form.elements[k].value = s[k];
  const query = new URLSearchParams({ sort: s.sort, page: s.page, per_page: PER_PAGE });
  for (const k of ['q', 'tag', 'author']) if (s[k]) query.set(k, s[k]);
  const list = $('#gallery');
  const status = $('#gallery-status');
  try {
    const answer = await api('GET', `/projects?${query}`);
    clear(list).append(...answer.items.map(card));
    status.textContent = answer.total ? t('projects.found', { total: answer.total }) : t('projects.none');
    const pages = Math.max(1, Math.ceil(answer.total / PER_PAGE));
    const nav = clear($('#gallery-pages'));
    const link = (page, key) => {
      const q = new URLSearchParams(location.search);
      q.set('page', page);
      return el('a', { href: `?${q}`, text: t(key) });
    };
    if (s.page > 1) nav.append(link(s.page - 1, 'common.previous'));
    nav.append(el('span', { text: t('common.page', { page: s.page, pages, total: answer.total }) }));
    if (s.page < pages) nav.append(link(s.page + 1, 'common.next'));
  } catch (e) {
    status.textContent = errorMessage(e);
  }
  document.documentElement.dataset.stoaReady = '1';
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  const q = new URLSearchParams();
  for (const k of ['q', 'tag', 'author', 'sort']) if (form.elements[k].value) q.set(k, form.elements[k].value);
  history.pushState(null, '', `?${q}`);
  show();
});
window.addEventListener('popstate', show);
boot().then((user) => {
  // Signed-in users may start a project (the editor creates it as a draft).
  $('#new-project-bar').hidden = !user;
  return show();
});
