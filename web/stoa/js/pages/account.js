// Account settings: profile, picture, password, two-factor, sessions,
// notifications and subscriptions, data export, deletion. Each section is
// independent; one failing to load does not stop the others.
import {
  $, $$, api, upload, el, clear, t, formatDate, onSubmit, showNotice, showErrors, bindPasswordRules,
  passwordRules, fieldError, download, ApiError, errorMessage,
} from '../stoa.js';
import { boot } from './common.js';

let user;

function notice(text, kind = 'ok') {
  const box = $('#account-notice');
  box.className = `stoa-notice is-${kind}`;
  box.textContent = text;
  box.focus();
}

// --- profile ---------------------------------------------------------------

function fillProfile() {
  $('#profile-username').textContent = user.username;
  $('#profile-email').textContent = user.email;
  $('#password-username').value = user.username;
  $('#public-profile-link').href = `/stoa/user.html?u=${encodeURIComponent(user.username)}`;
  $('#verify-section').hidden = user.email_verified;
  const form = $('#profile-form');
  form.elements.first_name.value = user.first_name || '';
  form.elements.last_name.value = user.last_name || '';
}

async function loadProfileExtras() {
  // bio and website are on the public profile, not in User.
  const profile = await api('GET', `/users/${encodeURIComponent(user.username)}`);
  const form = $('#profile-form');
  form.elements.bio.value = profile.bio || '';
  form.elements.website.value = profile.website || '';
}

function wireProfile() {
  const form = $('#profile-form');
  onSubmit(form, async (values) => {
    const body = { first_name: values.first_name, last_name: values.last_name, bio: values.bio, website: values.website };
    user = (await api('PATCH', '/account', { json: body })).user;
    showNotice(form, t('common.saved'));
  });
  onSubmit($('#verify-form'), async () => {
    await api('POST', '/auth/resend-verification', { json: { email: user.email } });
    showNotice($('#verify-form'), t('verify_failed.sent'));
  });
}

// --- picture ---------------------------------------------------------------

function showPicture(url) {
  const img = $('#picture-preview');
  img.hidden = !url;
  $('#picture-none').hidden = Boolean(url);
  $('#picture-remove').hidden = !url;
  if (url) img.src = url;
}

function wirePicture() {
  const form = $('#picture-form');
  const input = $('#picture-file');
  const progress = $('#picture-progress');
  showPicture(user.picture_url);
  input.addEventListener('change', () => {
    const file = input.files[0];
    if (!file) return;
    // A data: URL (the CSP allows data: images, not blob:).
    const reader = new FileReader();
    reader.addEventListener('load', () => showPicture(reader.result));
    reader.readAsDataURL(file);
  });
  onSubmit(form, async () => {
    const file = input.files[0];
    if (!file) throw fieldError('file', 'required');
    if (file.size > 5 * 1024 * 1024) throw fieldError('file', 'too_large');
    const data = new FormData();
    data.append('file', file);
    progress.hidden = false;
    progress.value = 0;
    try {
      const answer = await upload('PUT', '/account/picture', data, (share) => { progress.value = Math.round(share * 100); });
      progress.value = 100;
      user.picture_url = answer.picture_url;
      showPicture(answer.picture_url);
      input.value = '';
      showNotice(form, t('account.picture.saved'));
    } finally {
      progress.hidden = true;
    }
  });
  $('#picture-remove').addEventListener('click', async () => {
    try {
      await api('DELETE', '/account/picture');
      user.picture_url = null;
      showPicture(null);
      showNotice(form, t('account.picture.removed'));
    } catch (e) {
      showErrors(form, e);
    }
  });
}

// --- password --------------------------------------------------------------

function wirePassword() {
  const form = $('#password-form');
  const identity = () => ({ username: user.username, email: user.email });
  bindPasswordRules(form.elements.new_password, $('#new-password-rules'), identity);
  onSubmit(form, async (values) => {
    if (!values.current_password) throw fieldError('current_password', 'required');
    const broken = passwordRules(values.new_password, identity()).filter((r) => !r.met);
    if (broken.length) throw fieldError('new_password', broken[0].code);
    await api('POST', '/auth/password/change', {
      json: { current_password: values.current_password, new_password: values.new_password },
    });
    form.reset();
    form.elements.new_password.dispatchEvent(new Event('input'));
    if (document.body.classList.contains('stoa-forced')) {
      location.reload();
      return;
    }
    showNotice(form, t('account.password.changed'));
    await loadSessions();
  });
}

// --- two-factor ------------------------------------------------------------

function showTwoFactor() {
  const on = user.totp_enabled;
  $('#twofa-status').textContent = t(on ? 'account.twofa.on' : 'account.twofa.off');
  $('#twofa-off').hidden = on;
  $('#twofa-disable-form').hidden = !on;
}

function svgDataUrl(svg) {
  const bytes = new TextEncoder().encode(svg);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return `data:image/svg+xml;base64,${btoa(binary)}`;
}

function wireTwoFactor() {
  showTwoFactor();
  const enableForm = $('#twofa-enable-form');
  let codes = [];
  $('#twofa-start').addEventListener('click', async () => {
    try {
      const setup = await api('POST', '/auth/2fa/setup');
      $('#twofa-qr').src = svgDataUrl(setup.qr_svg);
      $('#twofa-secret').textContent = setup.secret;
      enableForm.hidden = false;
      $('#twofa-start').hidden = true;
      $('#twofa-code').focus();
    } catch (e) {
      notice(errorMessage(e), 'error');
    }
  });
  onSubmit(enableForm, async ({ code }) => {
    if (!code) throw fieldError('code', 'required');
    const answer = await api('POST', '/auth/2fa/enable', { json: { code: code.trim() } });
    codes = answer.backup_codes;
    user.totp_enabled = true;
    enableForm.reset();
    enableForm.hidden = true;
    $('#twofa-start').hidden = false;
    showTwoFactor();
    const list = clear($('#twofa-code-list'));
    for (const c of codes) list.append(el('li', { text: c }));
    $('#twofa-codes').hidden = false;
    $('#twofa-download').focus();
  });
  $('#twofa-download').addEventListener('click', () => {
    download(`stoa-backup-codes-${user.username}.txt`, `${t('account.twofa.codes_file', { username: user.username })}\n\n${codes.join('\n')}\n`);
  });
  $('#twofa-codes-done').addEventListener('click', () => {
    codes = [];
    clear($('#twofa-code-list'));
    $('#twofa-codes').hidden = true;
    $('#twofa-status').focus?.();
  });
  onSubmit($('#twofa-disable-form'), async ({ password, code }) => {
    if (!password) throw fieldError('password', 'required');
    if (!code) throw fieldError('code', 'required');
    await api('POST', '/auth/2fa/disable', { json: { password, code: code.trim() } });
    user.totp_enabled = false;
    $('#twofa-disable-form').reset();
    showTwoFactor();
    notice(t('account.twofa.turned_off'));
  });
}

// --- sessions --------------------------------------------------------------

function describeAgent(agent) {
  if (!agent) return t('account.sessions.unknown');
  const browser = /(Firefox|Edg|Chrome|Chromium|Safari)\/[\d.]+/.exec(agent);
  const system = /(Windows|Android|iPhone|iPad|Mac OS X|Linux)/.exec(agent);
  return [browser && browser[0].replace(/\/.*/, ''), system && system[1]].filter(Boolean).join(', ') || agent.slice(0, 60);
}

async function loadSessions() {
  const { items } = await api('GET', '/auth/sessions');
  const body = clear($('#sessions-body'));
  for (const s of items) {
    const device = el('td', {}, el('span', { title: s.user_agent, text: describeAgent(s.user_agent) }));
    if (s.current) device.append(' ', el('span', { class: 'stoa-badge', text: t('account.sessions.this') }));
    const action = s.current ? el('td') : el('td', {}, el('button', {
      type: 'button', class: 'stoa-secondary', dataset: { session: s.id },
      'aria-label': t('account.sessions.revoke_named', { device: describeAgent(s.user_agent), when: formatDate(s.last_used_at) }),
      text: t('account.sessions.revoke'),
      on: { click: () => revokeSession(s.id) },
    }));
    body.append(el('tr', { dataset: { session: s.id } }, device, el('td', { text: s.ip }),
      el('td', {}, el('time', { datetime: s.last_used_at, text: formatDate(s.last_used_at) })), action));
  }
  $('#sessions-revoke-others').disabled = items.length < 2;
}

async function revokeSession(id) {
  try {
    await api('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);
    await loadSessions();
    notice(t('account.sessions.revoked'));
  } catch (e) {
    notice(errorMessage(e), 'error');
  }
}

function wireSessions() {
  $('#sessions-revoke-others').addEventListener('click', async () => {
    try {
      await api('DELETE', '/auth/sessions');
      await loadSessions();
      notice(t('account.sessions.revoked_others'));
    } catch (e) {
      notice(errorMessage(e), 'error');
    }
  });
}

// --- notifications and subscriptions ----------------------------------------

async function loadNotifications() {
  const settings = await api('GET', '/account/notifications');
  const form = $('#notifications-form');
  form.elements.notify_replies.checked = Boolean(settings.notify_replies);
  form.elements.notify_moderation.checked = Boolean(settings.notify_moderation);
  $('#notify-moderation-field').hidden = !['moderator', 'admin'].includes(user.role);
}

function targetLabel(target) {
  if (target.url) return target.url;
  return `${target.entity_type} ${target.entity_id}`;
}

async function loadSubscriptions() {
  const { items } = await api('GET', '/subscriptions?per_page=100');
  const list = clear($('#subscriptions-list'));
  if (!items.length) list.append(el('li', { class: 'stoa-muted', text: t('account.subscriptions.none') }));
  for (const s of items) {
    const label = targetLabel(s.target);
    list.append(el('li', { dataset: { subscription: s.id } },
      s.target.url ? el('a', { href: s.target.url, text: label }) : el('span', { text: label }), ' ',
      el('button', {
        type: 'button', class: 'stoa-link', text: t('account.subscriptions.stop'),
        'aria-label': t('account.subscriptions.stop_named', { target: label }),
        on: {
          click: async () => {
            try {
              await api('DELETE', `/subscriptions/${encodeURIComponent(s.id)}`);
              await loadSubscriptions();
              notice(t('account.subscriptions.stopped'));
            } catch (e) {
              notice(errorMessage(e), 'error');
            }
          },
        },
      })));
  }
}

function wireNotifications() {
  const form = $('#notifications-form');
  onSubmit(form, async () => {
    const body = { notify_replies: form.elements.notify_replies.checked };
    if (!$('#notify-moderation-field').hidden) body.notify_moderation = form.elements.notify_moderation.checked;
    await api('PATCH', '/account/notifications', { json: body });
    showNotice(form, t('common.saved'));
  });
}

// --- export and deletion -----------------------------------------------------

function wireExport() {
  onSubmit($('#export-form'), async () => {
    const data = await api('GET', '/account/export');
    download(`stoa-export-${user.username}.json`, `${JSON.stringify(data, null, 2)}\n`, 'application/json');
    showNotice($('#export-form'), t('account.export.done'));
  });
}

function wireDelete() {
  const form = $('#delete-form');
  onSubmit(form, async (values) => {
    if (!values.password) throw fieldError('password', 'required');
    if (!form.elements.confirm.checked) throw fieldError('confirm', 'required');
    await api('DELETE', '/account', { json: { password: values.password } });
    location.assign('/stoa/login.html?deleted=1');
  });
}

// --- start -----------------------------------------------------------------

async function section(id, load) {
  try {
    await load();
  } catch (e) {
    if (e instanceof ApiError && e.code === 'password_change_required') throw e;
    const box = $(id);
    box.append(el('p', { class: 'stoa-notice is-error', role: 'alert', text: errorMessage(e) }));
  }
}

function forcedReset() {
  document.body.classList.add('stoa-forced');
  for (const s of $$('[data-needs-unforced]')) s.hidden = true;
  $('#verify-section').hidden = true;
  notice(t('error.password_change_required'), 'error');
  $('#current_password').focus();
}

async function start() {
  user = await boot({ needUser: true });
  fillProfile();
  wireProfile();
  wirePicture();
  wirePassword();
  wireTwoFactor();
  wireSessions();
  wireNotifications();
  wireExport();
  wireDelete();
  try {
    await section('#sessions-section', loadSessions);
    await Promise.all([
      section('#profile-section', loadProfileExtras),
      section('#notifications-section', loadNotifications),
      section('#notifications-section', loadSubscriptions),
    ]);
  } catch (e) {
    if (e instanceof ApiError && e.code === 'password_change_required') forcedReset();
    else throw e;
  }
  document.documentElement.dataset.stoaLoaded = '1';
}

start().catch((e) => notice(errorMessage(e), 'error'));
