// Create an account: the password rules update as the visitor types; a 422
// puts each field error next to its field.
import { $, api, queryParam, safeReturnTo, showErrors, onSubmit, bindPasswordRules, passwordRules, t, fieldError } from '../stoa.js';
import { boot } from './common.js';

const form = $('#register-form');
const returnTo = safeReturnTo(queryParam('return_to'));

async function start() {
  await boot();
  $('#return_to').value = returnTo || '';
  if (returnTo) $('#login-link').href += `?return_to=${encodeURIComponent(returnTo)}`;
  const identity = () => ({ username: form.elements.username.value, email: form.elements.email.value });
  const update = bindPasswordRules(form.elements.password, $('#password-rules'), identity);
  form.elements.username.addEventListener('input', update);
  form.elements.email.addEventListener('input', update);
  const serverError = $('#server-error');
  if (serverError) {
    const { code, field } = serverError.dataset;
    const input = field && form.elements.namedItem(field);
    if (input) showErrors(form, fieldError(field, code === 'validation_failed' ? 'invalid' : code));
    else serverError.textContent = t(`error.${code}`);
    serverError.focus?.();
  }
  onSubmit(form, async (values) => {
    const missing = ['username', 'email', 'password'].find((f) => !values[f]);
    if (missing) throw fieldError(missing, 'required');
    const broken = passwordRules(values.password, identity()).filter((r) => !r.met);
    if (broken.length) {
      const error = fieldError('password', broken[0].code);
      error.errors = broken.map((r) => ({ field: 'password', code: r.code }));
      throw error;
    }
    const body = { username: values.username, email: values.email, password: values.password };
    if (values.first_name) body.first_name = values.first_name;
    if (values.last_name) body.last_name = values.last_name;
    await api('POST', '/auth/register', { json: body, refresh: false });
    const next = new URLSearchParams({ registered: '1' });
    if (returnTo) next.set('return_to', returnTo);
    location.assign(`/stoa/login.html?${next}`);
  });
}

start().catch((e) => showErrors(form, e));
