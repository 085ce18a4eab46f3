// Stoa's shared browser module for the pages under /stoa/: the core (API
// client, i18n, DOM building that never parses HTML; js/core/, which the
// embeddable widget imports alone to stay small) plus return_to, form
// helpers and the page chrome. Nothing here assumes a particular page.

export * from './core/config.js';
export * from './core/dom.js';
export * from './core/i18n.js';
export * from './core/api.js';
import { settings } from './core/config.js';
import { el, $, $$, clear } from './core/dom.js';
import { t, hasMessage, initI18n } from './core/i18n.js';
import { ApiError, cookie, errorMessage, currentUser, mayRefreshAfter, refreshAfter } from './core/api.js';

/** An upload with progress (fetch has none): PUT/POST multipart via XHR. */
export function upload(method, path, formData, onProgress) {
  const attempt = () => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, settings.apiBase + path);
    xhr.withCredentials = true;
    const csrf = cookie('stoa_csrf');
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    if (settings.bearer) xhr.setRequestHeader('Authorization', `Bearer ${settings.bearer}`);
    xhr.setRequestHeader('Accept', 'application/json, application/problem+json');
    xhr.upload.addEventListener('progress', (e) => { if (e.lengthComputable && onProgress) onProgress(e.loaded / e.total); });
    xhr.addEventListener('load', () => {
      let data = null;
      try { data = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { data = null; }
      if (xhr.status >= 200 && xhr.status < 300) resolve(data);
      else reject(new ApiError(xhr.status, data || {}));
    });
    xhr.addEventListener('error', () => reject(new ApiError(0, { title: 'network error' })));
    xhr.send(formData);
  });
  return attempt().catch(async (e) => {
    if (!mayRefreshAfter(e)) throw e;
    await refreshAfter(e);
    return attempt();
  });
}

/** The signed-in user; otherwise goes to the login page and never resolves. */
export async function requireUser() {
  const user = await currentUser();
  if (user) return user;
  const here = location.pathname + location.search;
  location.assign(`${settings.webBase}/login.html?return_to=${encodeURIComponent(here)}`);
  return new Promise(() => {});
}

// --- return_to -----------------------------------------------------------

/**
 * The same-origin path in `value`, else null: the rules of the server's
 * safe_return_to (no "//", "/\", schemes, control characters, backslashes,
 * encoded slashes or backslashes).
 */
export function safeReturnTo(value) {
  if (typeof value !== 'string' || value === '' || value.length > 2000) return null;
  if (value[0] !== '/') return null;
  if (value.length > 1 && (value[1] === '/' || value[1] === '\\')) return null;
  for (const ch of value) {
    const c = ch.codePointAt(0);
    if (c < 0x21 || c === 0x7f || ch === '\\') return null;
  }
  const lower = value.toLowerCase();
  if (lower.includes('%2f') || lower.includes('%5c')) return null;
  // Belt and braces: the browser's own parser must agree it stays here.
  try {
    if (new URL(value, location.origin).origin !== location.origin) return null;
  } catch {
    return null;
  }
  return value;
}

export const queryParam = (name) => new URLSearchParams(location.search).get(name);

// --- forms ---------------------------------------------------------------

/** The password rules of API.md, each {code, met}, for live feedback. */
export function passwordRules(password, identity = {}) {
  const p = password || '';
  const lower = p.toLowerCase();
  const names = [identity.username, (identity.email || '').split('@')[0]]
    .map((s) => (s || '').toLowerCase()).filter((s) => s.length >= 3);
  return [
    { code: 'too_short', met: [...p].length >= 8 },
    { code: 'too_long', met: [...p].length <= 128 },
    // ASCII letters and digits, as the server counts them; anything else
    // that is not white space is a symbol.
    { code: 'missing_upper', met: /[A-Z]/.test(p) },
    { code: 'missing_lower', met: /[a-z]/.test(p) },
    { code: 'missing_digit', met: /[0-9]/.test(p) },
    { code: 'missing_symbol', met: /[^A-Za-z0-9\s]/u.test(p) },
    { code: 'contains_identity', met: p !== '' && !names.some((n) => lower.includes(n)) },
  ];
}

/** Keeps a <ul> of rules in step with a password input. */
export function bindPasswordRules(input, list, identity = () => ({})) {
  const update = () => {
    clear(list);
    for (const rule of passwordRules(input.value, identity())) {
      list.append(el('li', { class: rule.met ? 'is-met' : '', text: t(`password.rule.${rule.code}`) }));
    }
  };
  input.addEventListener('input', update);
  update();
  return update;
}

function errorSlot(form, field) {
  const input = form.elements.namedItem(field);
  if (!input || !(input instanceof Element)) return null;
  let slot = form.querySelector(`[data-error-for="${field}"]`);
  if (!slot) {
    slot = el('p', { class: 'stoa-error', id: `${input.id || field}-error`, 'data-error-for': field });
    input.insertAdjacentElement('afterend', slot);
  }
  return { input, slot };
}

export function clearErrors(form) {
  for (const slot of $$('[data-error-for]', form)) slot.textContent = '';
  for (const input of $$('[aria-invalid]', form)) input.removeAttribute('aria-invalid');
  const notice = $('.stoa-form-notice', form);
  if (notice) notice.textContent = '';
}

function describe(input, id) {
  const ids = new Set((input.getAttribute('aria-describedby') || '').split(/\s+/).filter(Boolean));
  ids.add(id);
  input.setAttribute('aria-describedby', [...ids].join(' '));
}

/**
 * Shows `error` on `form`: field errors of a 422 next to their fields,
 * anything else in the form's notice; focus moves to the first error.
 * `fieldMessages` maps an error to a message (defaults to the catalog).
 */
export function showErrors(form, error) {
  clearErrors(form);
  let first = null;
  const unplaced = [];
  const errors = error instanceof ApiError ? error.errors : [];
  for (const item of errors) {
    const target = errorSlot(form, item.field);
    const key = `field.${item.field}.${item.code}`;
    const generic = `field.${item.code}`;
    const text = hasMessage(key) ? t(key) : hasMessage(generic) ? t(generic) : (item.message || item.code);
    if (!target) { unplaced.push(text); continue; }
    target.slot.textContent = target.slot.textContent ? `${target.slot.textContent} ${text}` : text;
    target.input.setAttribute('aria-invalid', 'true');
    describe(target.input, target.slot.id);
    first ??= target.input;
  }
  if (!errors.length || unplaced.length) {
    const notice = formNotice(form);
    notice.className = 'stoa-notice is-error stoa-form-notice';
    notice.textContent = [errors.length ? '' : errorMessage(error), ...unplaced].filter(Boolean).join(' ');
    first ??= notice;
  }
  first.focus();
}

/** A client-side check failed: same presentation as a 422. */
export function fieldError(field, code) {
  return new ApiError(422, { code: 'validation_failed', errors: [{ field, code }] });
}

function formNotice(form) {
  let notice = $('.stoa-form-notice', form);
  if (!notice) {
    notice = el('div', { class: 'stoa-notice stoa-form-notice', role: 'alert', tabindex: '-1' });
    form.prepend(notice);
  }
  return notice;
}

/** Shows a success (or other) message in the form's notice. */
export function showNotice(form, text, kind = 'ok') {
  const notice = formNotice(form);
  notice.className = `stoa-notice is-${kind} stoa-form-notice`;
  notice.textContent = text;
}

/** The form's named fields as an object (empty optional fields left out). */
export function formValues(form) {
  const values = {};
  for (const [k, v] of new FormData(form).entries()) {
    if (typeof v === 'string') values[k] = v;
  }
  return values;
}

/**
 * Wires a form: on submit, clears errors, disables the submit button, runs
 * `action(values)`, and shows any error next to the fields.
 */
export function onSubmit(form, action) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearErrors(form);
    const buttons = $$('button[type=submit], button:not([type])', form);
    buttons.forEach((b) => { b.disabled = true; });
    try {
      await action(formValues(form), event);
    } catch (error) {
      if (!(error instanceof ApiError)) console.warn(error);
      showErrors(form, error);
    } finally {
      buttons.forEach((b) => { b.disabled = false; });
    }
  });
}

/** Saves `text` as a file download (backup codes, the export). */
export function download(filename, text, type = 'text/plain') {
  const url = URL.createObjectURL(new Blob([text], { type }));
  const a = el('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

// --- page chrome ---------------------------------------------------------

/**
 * Starts a page: translates it, then fills the header's navigation for
 * `user` (links to account and admin, the sign-out form). Returns the language.
 */
export async function startPage() {
  return initI18n();
}

export function fillNav(user) {
  const nav = $('#stoa-nav');
  if (!nav) return;
  clear(nav);
  const items = [];
  if (user) {
    items.push(el('a', { href: `${settings.webBase}/account.html`, text: t('nav.account') }));
    items.push(el('a', { href: `${settings.webBase}/user.html?u=${encodeURIComponent(user.username)}`, text: t('nav.profile') }));
    if (user.role === 'admin' || user.role === 'moderator') {
      items.push(el('a', { href: `${settings.webBase}/admin.html`, text: t('nav.admin') }));
    }
    const form = el('form', { method: 'post', action: '/auth/logout', class: 'stoa-logout' },
      el('input', { type: 'hidden', name: 'csrf_token', value: cookie('stoa_csrf') }),
      el('button', { type: 'submit', class: 'stoa-link', text: t('nav.logout') }));
    form.addEventListener('submit', () => { form.elements.csrf_token.value = cookie('stoa_csrf'); });
    items.push(form);
  } else {
    items.push(el('a', { href: `${settings.webBase}/login.html`, text: t('nav.login') }));
    items.push(el('a', { href: `${settings.webBase}/register.html`, text: t('nav.register') }));
  }
  nav.append(el('ul', {}, items.map((item) => el('li', {}, item))));
}
