// One project: description, images (primary first), steps, BOM, components
// with datasheets, tools and materials, links, files, the ZIP download, and
// likes and comments through the widget (entity "project"). Text from
// authors is shown as text (Markdown unrendered: nothing is parsed as HTML).
import { $, api, el, errorMessage, formatDate, queryParam, t } from '../stoa.js';
import { mountComments } from '../widget/comments.js';
import { boot } from './common.js';

const id = queryParam('id');
const base = `/projects/${encodeURIComponent(id)}`;
const list = (path) => api('GET', `${base}/${path}`).then((a) => a.items).catch(() => []);
const safeHref = (url) => (/^https?:\/\//i.test(url || '') ? url : null);

function section(key, ...children) {
  const h = el('h2', { text: t(key) });
  return el('section', {}, h, ...children);
}

function table(headers, rows) {
  return el('div', { class: 'stoa-table-wrap' }, el('table', {},
    el('thead', {}, el('tr', {}, headers.map((h) => el('th', { scope: 'col', text: t(h) })))),
    el('tbody', {}, rows.map((r) => el('tr', {}, r.map((c) => el('td', {}, c)))))));
}

function link(url, text) {
  const href = safeHref(url);
  return href ? el('a', { href, rel: 'noopener nofollow', text: text || url }) : (text || '');
}

/** The author and admins edit (the server checks again on every write). */
const mayEdit = (user, p) => Boolean(user && (user.role === 'admin'
  || (p.author && p.author.username.toLowerCase() === user.username.toLowerCase())));

async function show() {
  const user = await boot();
  const p = await api('GET', base);
  const [steps, bom, components, links, tools, files, images] = await Promise.all(
    ['steps', 'bom', 'components', 'links', 'tools', 'files', 'images'].map(list));
  document.title = `${p.title} · Stoa`;
  images.sort((a, b) => Number(Boolean(b.primary)) - Number(Boolean(a.primary)));
  const article = $('#project');
  article.append(
    el('h1', { text: p.title }),
    el('p', { class: 'stoa-muted' }, t('projects.by', { username: p.author ? p.author.username : '?' }), ' · ',
      el('time', { datetime: p.published_at || p.updated_at, text: formatDate(p.published_at || p.updated_at) }),
      p.status === 'draft' ? ` · ${t('project.draft')}` : ''),
    (p.tags || []).length ? el('ul', { class: 'stoa-tags' }, p.tags.map((tag) => el('li', {}, el('a', { href: `/stoa/projects.html?tag=${encodeURIComponent(tag)}`, text: tag })))) : null,
    el('p', { class: 'stoa-actions' },
      mayEdit(user, p) ? el('a', { id: 'project-edit', class: 'stoa-button', href: `/stoa/project-edit.html?id=${encodeURIComponent(p.id)}`, text: t('project.edit') }) : null,
      el('a', { id: 'project-download', href: `/api/v1${base}/download`, download: '', text: t('project.download', { n: p.download_count ?? 0 }) })),
    images.length ? el('ul', { class: 'stoa-project-images', id: 'project-images' }, images.map((i) => el('li', { 'data-primary': i.primary ? '1' : null },
      el('img', { src: i.url, alt: i.caption || i.filename, width: i.width, height: i.height }),
      i.caption ? el('p', { class: 'stoa-muted', text: i.caption }) : null))) : null,
    el('p', { class: 'stoa-prose', text: p.description || '' }),
    p.background ? section('project.background', el('p', { class: 'stoa-prose', text: p.background })) : null,
    p.source_url ? el('p', {}, t('project.source'), ' ', link(p.source_url)) : null,
    steps.length ? section('project.steps', el('ol', { id: 'project-steps' }, steps.map((s) => el('li', {}, el('h3', { text: s.title }), el('p', { class: 'stoa-prose', text: s.body || '' }))))) : null,
    bom.length ? section('project.bom', table(['project.name', 'project.quantity', 'project.part_number', 'project.price', 'project.notes'],
      bom.map((b) => [link(b.supplier_url, b.name), `${b.quantity}${b.unit ? ` ${b.unit}` : ''}`, b.part_number || '', b.unit_price ? `${b.unit_price} ${b.currency || ''}` : '', b.notes || '']))) : null,
    components.length ? section('project.components', table(['project.name', 'project.manufacturer', 'project.quantity', 'project.datasheet'],
      components.map((c) => [c.component.name, c.component.manufacturer || '', String(c.quantity), c.component.datasheet_url ? link(c.component.datasheet_url, t('project.datasheet')) : '']))) : null,
    tools.length ? section('project.tools', el('ul', {}, tools.map((x) => el('li', {}, `${x.name} (${t(`project.kind_${x.kind}`)})${x.notes ? ` — ${x.notes}` : ''}`)))) : null,
    links.length ? section('project.links', el('ul', {}, links.map((x) => el('li', {}, link(x.url, x.title), ` (${x.kind})`)))) : null,
    files.length ? section('project.files', el('ul', { id: 'project-files' }, files.map((f) => el('li', {}, el('a', { href: f.url, download: '', text: f.filename }), ` (${Math.ceil(f.size / 1024)} KiB)`)))) : null);
  article.hidden = false;
  $('#project-status').textContent = '';
  const comments = $('#project-comments');
  comments.dataset.entityType = 'project';
  comments.dataset.entityId = String(p.id);
  await mountComments(comments, 0);
}

show().catch((e) => { $('#project-status').textContent = errorMessage(e); });
