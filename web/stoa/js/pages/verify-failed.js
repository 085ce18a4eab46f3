// A verification link that did not work: ask for a new one.
import { $, api, showNotice, onSubmit, t, fieldError } from '../stoa.js';
import { boot } from './common.js';

const form = $('#resend-form');
boot().then(() => {
  onSubmit(form, async ({ email }) => {
    if (!email) throw fieldError('email', 'required');
    await api('POST', '/auth/resend-verification', { json: { email }, refresh: false });
    showNotice(form, t('verify_failed.sent'));
    $('.stoa-form-notice', form).focus();
  });
});
