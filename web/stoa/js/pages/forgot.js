// Forgot password: always the same answer, whether the address exists or not.
import { $, api, showNotice, onSubmit, t, fieldError } from '../stoa.js';
import { boot } from './common.js';

const form = $('#forgot-form');
boot().then(() => {
  onSubmit(form, async ({ email }) => {
    if (!email) throw fieldError('email', 'required');
    await api('POST', '/auth/password/forgot', { json: { email }, refresh: false });
    showNotice(form, t('forgot.sent'));
    $('.stoa-form-notice', form).focus();
  });
});
