// The projects gallery: search, tag and author filters, sort, pagination,
// and for signed-in users their drafts (admins: every draft); the filters
// live in the address (?q=&tag=&author=&status=&sort=&page=) so a view can be linked.
import { $, api, clear, el, errorMessage, t } from '../stoa.js';
import { boot } from './common.js';

const PER_PAGE = 12;
const FILTERS = ['q', 'tag', 'author', 'status', 'sort'];
const form = $('#gallery-form');
let user = null;

function state() {
  const p = new URLSearchParams(location.search);
  return {
    q: p.get('q') || '', tag: p.get('tag') || '', author: p.get('author') || '',
    status: p.get('status') === 'draft' ? 'draft' : '', sort: p.get('sort') || 'newest', page: Number(p.get('page')) || 1,
  };
}

function card(p) {
  const href = `/stoa/project.html?id=${encodeURIComponent(p.id)}`;
  return el('li', { class: 'stoa-card stoa-project-card', 'data-project': p.id },
    p.primary_thumbnail_url || p.primary_image_url
      ? el('img', { src: p.primary_thumbnail_url || p.primary_image_url, alt: '', loading: 'lazy' }) : null,
    el('h2', {}, el('a', { href, text: p.title }),
      p.status === 'draft' ? el('span', { class: 'stoa-badge', text: t('projects.draft') }) : null),
    el('p', { class: 'stoa-muted', text: t('projects.by', { username: p.author ? p.author.username : '?' }) }),
    el('p', { class: 'stoa-muted', text: t('projects.stats', { likes: p.like_count ?? 0, downloads: p.download_count ?? 0 }) }),
    (p.tags || []).length ? el('ul', { class: 'stoa-tags' }, p.tags.map((tag) => el('li', {}, el('a', { href: `?tag=${encodeURIComponent(tag)}`, text: tag })))) : null,
    p.status === 'draft' ? el('p', {}, el('a', {
      href: `/stoa/project-edit.html?id=${encodeURIComponent(p.id)}`, class: 'stoa-draft-edit',
      'aria-label': t('projects.edit_named', { title: p.title }), text: t('projects.edit'),
    })) : null);
}

async function show() {
  const s = state();
  for (const k of FILTERS) form.elements[k].value = s[k];
  const query = new URLSearchParams({ sort: s.sort, page: s.page, per_page: PER_PAGE });
  for (const k of ['q', 'tag', 'author', 'status']) if (s[k]) query.set(k, s[k]);
  const list = $('#gallery');
  const status = $('#gallery-status');
  if (s.status === 'draft' && !user) {
    // Drafts are their authors' own: nothing to list for a visitor.
    clear(list);
    clear($('#gallery-pages'));
    const here = location.pathname + location.search;
    clear(status).append(t('projects.drafts_sign_in'), ' ',
      el('a', { href: `/stoa/login.html?return_to=${encodeURIComponent(here)}`, text: t('nav.login') }));
    document.documentElement.dataset.stoaReady = '1';
    return;
  }
  try {
    const answer = await api('GET', `/projects?${query}`);
    clear(list).append(...answer.items.map(card));
    const drafts = s.status === 'draft';
    status.textContent = answer.total ? t(drafts ? 'projects.drafts_found' : 'projects.found', { total: answer.total })
      : t(drafts ? 'projects.no_drafts' : 'projects.none');
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
  for (const k of FILTERS) if (form.elements[k].value) q.set(k, form.elements[k].value);
  history.pushState(null, '', `?${q}`);
  show();
});
window.addEventListener('popstate', show);
boot().then((signedIn) => {
  user = signedIn;
  // Signed-in users may start a project (the editor creates it as a draft)
  // and list their drafts; admins list everybody's.
  $('#new-project-bar').hidden = !user;
  $('#status-field').hidden = !user;
  if (user && user.role === 'admin') $('#status-draft').textContent = t('projects.status_all_drafts');
  return show();
});
