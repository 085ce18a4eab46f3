// Sign in: password first, then the TOTP or backup-code step when the API
// answers totp_required. Without JavaScript the same form posts to /auth/login.
import { $, el, api, queryParam, safeReturnTo, showErrors, onSubmit, t, hasMessage, ApiError, fieldError } from '../stoa.js';
import { boot } from './common.js';

const form = $('#login-form');
const totpStep = $('#totp-step');
const returnTo = safeReturnTo(queryParam('return_to'));

function destination() {
  return returnTo || '/stoa/account.html';
}

function showTotpStep() {
  totpStep.hidden = false;
  $('#totp_code').focus();
}

async function start() {
  const user = await boot();
  $('#return_to').value = returnTo || '';
  if (returnTo) {
    for (const link of [$('#register-link')]) link.href += `?return_to=${encodeURIComponent(returnTo)}`;
  }
  for (const [param, key] of [['reset', 'login.reset_done'], ['deleted', 'login.deleted']]) {
    if (queryParam(param)) form.before(el('p', { class: 'stoa-notice is-ok', role: 'status', id: `${param}-notice`, text: t(key) }));
  }
  const serverError = $('#server-error');
  if (serverError) {
    const code = serverError.dataset.code;
    if (hasMessage(`error.${code}`)) serverError.textContent = t(`error.${code}`);
    if (code === 'totp_required' || code === 'invalid_totp') totpStep.hidden = false;
    serverError.focus();
  }
  if (user && !serverError && !queryParam('logged_out')) {
    const note = $('#signed-in-note') || document.createElement('p');
    note.id = 'signed-in-note';
    note.className = 'stoa-notice is-ok';
    note.textContent = t('login.already', { username: user.username });
    form.before(note);
  }
  onSubmit(form, async (values) => {
    if (!values.login) throw fieldError('login', 'required');
    if (!values.password) throw fieldError('password', 'required');
    const body = { login: values.login, password: values.password };
    if (!totpStep.hidden) {
      if (values.backup_code) body.backup_code = values.backup_code.trim();
      else if (values.totp_code) body.totp_code = values.totp_code.trim();
    }
    try {
      await api('POST', '/auth/login', { json: body, refresh: false });
    } catch (e) {
      if (e instanceof ApiError && e.code === 'totp_required') {
        showTotpStep();
        return;
      }
      if (e instanceof ApiError && e.code === 'invalid_totp') {
        $('#totp_code').value = '';
        $('#backup_code').value = '';
      }
      throw e;
    }
    location.assign(destination());
  });
}

start().catch((e) => showErrors(form, e));
