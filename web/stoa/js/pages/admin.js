// Administration: users (search, detail with lockout and recent log, unlock,
// forced reset, role and verification, deletion), the audit log, and the
// moderation queue. Moderators see the moderation queue only.
import { $, $$, api, el, clear, t, formatDate, onSubmit, showNotice, fieldError, errorMessage } from '../stoa.js';
import { boot } from './common.js';

let me;
let current = null;  // the AdminUserDetail shown
const state = { users: 1, logs: 1, moderation: 1 };

function notice(text, kind = 'ok') {
  const box = $('#admin-notice');
  box.className = `stoa-notice is-${kind}`;
  box.textContent = text;
  box.focus();
}

async function attempt(action) {
  try {
    await action();
  } catch (e) {
    notice(errorMessage(e), 'error');
  }
}

function query(form, page) {
  const params = new URLSearchParams();
  for (const [k, v] of new FormData(form).entries()) if (v) params.set(k, v);
  params.set('page', page);
  return params;
}

function pager(container, answer, go) {
  clear(container);
  const pages = Math.max(1, Math.ceil(answer.total / answer.per_page));
  container.append(el('span', { text: t('common.page', { page: answer.page, pages, total: answer.total }) }));
  if (answer.page > 1) container.append(el('button', { type: 'button', class: 'stoa-secondary', text: t('common.previous'), on: { click: () => go(answer.page - 1) } }));
  if (answer.page < pages) container.append(el('button', { type: 'button', class: 'stoa-secondary', text: t('common.next'), on: { click: () => go(answer.page + 1) } }));
}

const detailText = (detail) => (detail && Object.keys(detail).length ? JSON.stringify(detail) : '');

// --- users -------------------------------------------------------------------

function userState(u) {
  const parts = [];
  parts.push(u.email_verified ? t('admin.user.is_verified') : t('admin.user.not_verified'));
  if (u.locked) parts.push(t('admin.user.is_locked'));
  if (u.password_change_required) parts.push(t('admin.user.must_reset'));
  return parts.join(', ');
}

async function loadUsers(page = state.users) {
  state.users = page;
  const answer = await api('GET', `/admin/users?${query($('#users-form'), page)}`);
  const body = clear($('#users-body'));
  if (!answer.items.length) body.append(el('tr', {}, el('td', { colspan: '5', text: t('common.none') })));
  for (const u of answer.items) {
    body.append(el('tr', { dataset: { user: u.id } },
      el('td', { text: u.username }), el('td', { text: u.email }), el('td', { text: u.role }),
      el('td', { text: userState(u) }),
      el('td', {}, el('button', {
        type: 'button', class: 'stoa-secondary', text: t('admin.users.open'),
        'aria-label': t('admin.users.open_named', { username: u.username }),
        on: { click: () => attempt(() => openUser(u.id)) },
      }))));
  }
  pager($('#users-pages'), answer, (p) => attempt(() => loadUsers(p)));
}

function fact(list, label, value) {
  list.append(el('dt', { text: label }), el('dd', { text: value }));
}

async function openUser(id, focus = true) {
  current = (await api('GET', `/admin/users/${encodeURIComponent(id)}`)).user;
  const u = current;
  const section = $('#user-section');
  section.hidden = false;
  section.dataset.user = u.id;
  $('#user-heading').textContent = t('admin.user.heading', { username: u.username });
  const facts = clear($('#user-facts'));
  fact(facts, t('field.email'), u.email);
  fact(facts, t('admin.users.role'), u.role);
  fact(facts, t('admin.user.verified'), u.email_verified ? t('common.yes') : t('common.no'));
  fact(facts, t('admin.user.locked'), u.locked ? t('admin.user.locked_for', { seconds: u.locked_seconds_left }) : t('common.no'));
  fact(facts, t('admin.user.failed_logins'), String(u.failed_logins));
  fact(facts, t('admin.user.must_reset'), u.password_change_required ? t('common.yes') : t('common.no'));
  fact(facts, t('admin.user.totp'), u.totp_enabled ? t('common.yes') : t('common.no'));
  fact(facts, t('admin.user.created'), formatDate(u.created_at));
  fact(facts, t('admin.user.last_login'), formatDate(u.last_login_at) || '—');
  $('#user-unlock').disabled = !u.locked && !u.failed_logins;
  $('#user-role').value = u.role;
  $('#user-verified').checked = u.email_verified;
  $('#user-delete-confirm').value = '';
  const log = clear($('#user-log-body'));
  for (const entry of u.recent_log) {
    log.append(el('tr', {}, el('td', {}, el('time', { datetime: entry.created_at, text: formatDate(entry.created_at) })),
      el('td', { text: entry.event }), el('td', { class: 'stoa-mono', text: detailText(entry.detail) }), el('td', { text: entry.ip })));
  }
  if (focus) section.focus();
}

function wireUsers() {
  onSubmit($('#users-form'), () => loadUsers(1));
  $('#user-unlock').addEventListener('click', () => attempt(async () => {
    await api('POST', `/admin/users/${current.id}/unlock`);
    await openUser(current.id, false);
    notice(t('admin.user.unlocked', { username: current.username }));
  }));
  $('#user-force-reset').addEventListener('click', () => attempt(async () => {
    await api('POST', `/admin/users/${current.id}/force-password-reset`);
    await openUser(current.id, false);
    notice(t('admin.user.reset_forced', { username: current.username }));
  }));
  onSubmit($('#user-edit-form'), async () => {
    const body = {};
    if ($('#user-role').value !== current.role) body.role = $('#user-role').value;
    if ($('#user-verified').checked !== current.email_verified) body.email_verified = $('#user-verified').checked;
    if (!Object.keys(body).length) return;
    await api('PATCH', `/admin/users/${current.id}`, { json: body });
    await openUser(current.id, false);
    showNotice($('#user-edit-form'), t('common.saved'));
    await loadUsers();
  });
  onSubmit($('#user-delete-form'), async ({ confirm }) => {
    if (confirm !== current.username) throw fieldError('confirm', 'mismatch');
    await api('DELETE', `/admin/users/${current.id}`);
    const name = current.username;
    current = null;
    $('#user-section').hidden = true;
    await loadUsers();
    notice(t('admin.user.deleted', { username: name }));
  });
}

// --- audit log ---------------------------------------------------------------

async function loadLogs(page = state.logs) {
  state.logs = page;
  const answer = await api('GET', `/admin/logs?${query($('#logs-form'), page)}`);
  const body = clear($('#logs-body'));
  if (!answer.items.length) body.append(el('tr', {}, el('td', { colspan: '6', text: t('common.none') })));
  for (const e of answer.items) {
    body.append(el('tr', { dataset: { event: e.event } },
      el('td', {}, el('time', { datetime: e.created_at, text: formatDate(e.created_at) })),
      el('td', { text: e.event }), el('td', { text: e.user_id ?? '' }), el('td', { text: e.actor_id ?? '' }),
      el('td', { class: 'stoa-mono', text: detailText(e.detail) }), el('td', { text: e.ip })));
  }
  pager($('#logs-pages'), answer, (p) => attempt(() => loadLogs(p)));
}

// --- moderation ----------------------------------------------------------------

function targetLink(target) {
  if (target && target.url) return el('a', { href: target.url, text: target.url });
  return el('span', { text: target ? `${target.entity_type} ${target.entity_id}` : '' });
}

async function loadModeration(page = state.moderation) {
  state.moderation = page;
  const answer = await api('GET', `/moderation/comments?page=${page}`);
  const list = clear($('#moderation-list'));
  if (!answer.items.length) list.append(el('li', { class: 'stoa-muted', text: t('admin.moderation.empty') }));
  for (const c of answer.items) {
    const who = c.author ? c.author.username : t('admin.moderation.deleted_user');
    list.append(el('li', { class: 'stoa-card', dataset: { comment: c.id } },
      el('p', {}, el('strong', { text: who }), ' · ', el('time', { datetime: c.created_at, text: formatDate(c.created_at) }), ' · ', targetLink(c.target)),
      el('p', { class: 'stoa-quote', text: c.body }),
      el('div', { class: 'stoa-actions' },
        el('button', { type: 'button', text: t('admin.moderation.approve'), 'aria-label': t('admin.moderation.approve_named', { username: who }), dataset: { action: 'approve' }, on: { click: () => moderate(c.id, 'approve') } }),
        el('button', { type: 'button', class: 'stoa-danger', text: t('admin.moderation.reject'), 'aria-label': t('admin.moderation.reject_named', { username: who }), dataset: { action: 'reject' }, on: { click: () => moderate(c.id, 'reject') } }))));
  }
  pager($('#moderation-pages'), answer, (p) => attempt(() => loadModeration(p)));
}

function moderate(id, action) {
  return attempt(async () => {
    await api('POST', `/comments/${encodeURIComponent(id)}/${action}`);
    await loadModeration();
    notice(t(action === 'approve' ? 'admin.moderation.approved' : 'admin.moderation.rejected'));
  });
}

// --- start -------------------------------------------------------------------

async function start() {
  me = await boot({ needUser: true });
  if (me.role !== 'admin' && me.role !== 'moderator') {
    notice(t('error.forbidden'), 'error');
    return;
  }
  $('#moderation-section').hidden = false;
  const loads = [attempt(() => loadModeration(1))];
  if (me.role === 'admin') {
    for (const s of $$('[data-admin-only]')) if (s.id !== 'user-section') s.hidden = false;
    wireUsers();
    onSubmit($('#logs-form'), () => loadLogs(1));
    loads.push(attempt(() => loadUsers(1)), attempt(() => loadLogs(1)));
  }
  await Promise.all(loads);
  document.documentElement.dataset.stoaLoaded = '1';
}

start().catch((e) => notice(errorMessage(e), 'error'));
