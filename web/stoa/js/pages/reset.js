// Reset password from the mailed link: /stoa/reset-password.html#token=...
// (the token stays in the fragment, so it is never sent to a server or in a Referer).
import { $, api, showErrors, onSubmit, bindPasswordRules, fieldError, passwordRules, ApiError } from '../stoa.js';
import { boot } from './common.js';

const form = $('#reset-form');
const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token');
// Out of the address bar (and history), now that we hold it.
if (location.hash) history.replaceState(null, '', location.pathname + location.search);

function invalid() {
  form.hidden = true;
  $('#reset-invalid').hidden = false;
}

boot().then(() => {
  if (!token || params.get('error')) return invalid();
  bindPasswordRules(form.elements.new_password, $('#password-rules'));
  onSubmit(form, async ({ new_password }) => {
    const broken = passwordRules(new_password).filter((r) => !r.met);
    if (broken.length) throw fieldError('new_password', broken[0].code);
    try {
      await api('POST', '/auth/password/reset', { json: { token, new_password }, refresh: false });
    } catch (e) {
      if (e instanceof ApiError && e.status === 400 && e.code.startsWith('token_')) return invalid();
      if (e instanceof ApiError) e.errors = e.errors.map((x) => (x.field === 'password' ? { ...x, field: 'new_password' } : x));
      throw e;
    }
    location.assign('/stoa/login.html?reset=1');
  });
}).catch((e) => showErrors(form, e));
