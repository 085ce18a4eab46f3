// The widget's sign-in prompt: a link to the login page (back here through
// return_to when Stoa shares the page's origin) and a sign-in form right
// in the page, with the TOTP (or backup code) step when the account has one.
import { settings } from '../core/config.js';
import { el } from '../core/dom.js';
import { t } from '../core/i18n.js';
import { api, errorMessage } from '../core/api.js';

function loginHref() {
  const login = `${settings.webBase}/login.html`;
  if (settings.crossOrigin) return login; // return_to takes paths of Stoa's own origin only
  return `${login}?return_to=${encodeURIComponent(location.pathname + location.search)}`;
}

function field(id, name, label, attrs = {}) {
  return el('div', { class: 'stoa-w-field' }, el('label', { for: id, text: label }),
    el('input', { id, name, autocomplete: 'off', spellcheck: 'false', ...attrs }));
}

export function signInPrompt(widget, onSignedIn) {
  const id = `${widget.id}-login`;
  const totp = el('div', { hidden: true },
    field(`${id}-totp`, 'totp_code', t('widget.totp'), { inputmode: 'numeric', autocomplete: 'one-time-code', maxlength: '8' }),
    field(`${id}-backup`, 'backup_code', t('widget.backup')));
  const error = el('p', { class: 'stoa-w-error', id: `${id}-error`, role: 'alert', hidden: true });
  const form = el('form', { class: 'stoa-w-form stoa-w-login', id, hidden: true, novalidate: true },
    field(`${id}-name`, 'login', t('widget.login'), { autocomplete: 'username', autocapitalize: 'none', required: true }),
    field(`${id}-password`, 'password', t('widget.password'), { type: 'password', autocomplete: 'current-password', required: true }),
    totp, error,
    el('div', { class: 'stoa-w-actions' }, el('button', { type: 'submit', text: t('widget.signin_submit') })));
  const open = el('button', {
    type: 'button', class: 'stoa-w-signin-open', 'aria-expanded': 'false', 'aria-controls': id, text: t('widget.signin_here'),
    on: {
      click: () => {
        form.hidden = false;
        open.setAttribute('aria-expanded', 'true');
        form.elements.login.focus();
      },
    },
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const v = form.elements;
    error.hidden = true;
    const body = { login: v.login.value, password: v.password.value };
    if (!totp.hidden) {
      if (v.backup_code.value.trim()) body.backup_code = v.backup_code.value.trim();
      else body.totp_code = v.totp_code.value.trim();
    }
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const answer = await api('POST', '/auth/login', { json: body, refresh: false });
      // Another host cannot read the stoa_csrf cookie: Bearer for this page view.
      if (settings.crossOrigin) settings.bearer = answer.access_token;
      await onSignedIn(answer.user);
    } catch (err) {
      if (err.code === 'totp_required') {
        totp.hidden = false;
        v.totp_code.focus();
        return;
      }
      error.textContent = errorMessage(err);
      error.hidden = false;
      (err.code === 'invalid_totp' ? v.totp_code : v.password).focus();
    } finally {
      button.disabled = false;
    }
  });

  return el('div', { class: 'stoa-w-signin' },
    el('p', { text: t('widget.signin_prompt') }),
    el('div', { class: 'stoa-w-actions' },
      open,
      el('a', { href: loginHref(), text: t('widget.signin_page') }),
      el('a', { href: `${settings.webBase}/register.html`, text: t('widget.register') })),
    form);
}
