// Sign out: the form posts to /auth/logout (works without JavaScript, the
// server puts the CSRF token in); with JavaScript the token is refreshed
// from the cookie right before posting.
import { $, cookie } from '../stoa.js';
import { boot } from './common.js';

const form = $('#logout-form');
form.addEventListener('submit', () => { form.elements.csrf_token.value = cookie('stoa_csrf'); });
boot();
