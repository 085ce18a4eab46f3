// The project editor (project-edit.html, ?id= for an existing project, none
// for a new one): title and text, every part (steps reordered by drag or by
// keyboard, BOM items, components found or created, tools, links), file and
// image uploads with progress, the primary image, publishing, deletion.
// Everything the author typed goes into the page as text (el() never parses
// HTML); every write goes through the JSON API with the CSRF header.
import {
  $, $$, api, upload, el, clear, t, formatDate, onSubmit, showNotice, showErrors, fieldError,
  ApiError, errorMessage, queryParam,
} from '../stoa.js';
import { boot } from './common.js';

let user = null;
let project = null;
let base = '';
const state = { steps: [], bom: [], components: [], tools: [], links: [], files: [], images: [] };
const editing = {};     // list key -> id of the item whose edit form is open
const confirming = {};  // list key -> id of the item whose deletion waits for a yes

const MB = 1024 * 1024;
const FILE_TYPES = ['py', 'cpp', 'h', 'ino', 'md', 'txt', 'pdf', 'stl', 'obj', 'gcode', 'json', 'xml', 'yaml', 'yml'];
const IMAGE_TYPES = ['png', 'jpg', 'jpeg', 'gif', 'webp', 'svg'];
const LINK_KINDS = ['video', 'course', 'article', 'code', 'documentation', 'other'];

function notice(text, kind = 'ok', focus = true) {
  const box = $('#editor-notice');
  box.className = `stoa-notice is-${kind}`;
  box.textContent = text;
  if (focus) box.focus();
}

/** Tells screen readers what changed without moving focus. */
function announce(text) {
  const region = $('#editor-live');
  region.textContent = '';
  setTimeout(() => { region.textContent = text; }, 30);
}

// --- the parts: what each list shows and edits ---------------------------------

const clip = (text, n = 160) => (text && text.length > n ? `${text.slice(0, n)}…` : text || '');

const PARTS = {
  steps: {
    fields: [
      { name: 'title', label: 'editor.field.step_title', required: true, maxlength: 200 },
      { name: 'body', label: 'editor.field.step_body', type: 'textarea', rows: 6 },
    ],
    name: (s) => s.title,
    summary: (s, i) => [el('strong', {}, el('span', { class: 'stoa-step-no', text: `${i + 1}. ` }), s.title),
      s.body ? el('p', { class: 'stoa-muted stoa-clip', text: clip(s.body) }) : null],
    add: 'editor.steps.add',
    added: 'editor.steps.added',
  },
  bom: {
    fields: [
      { name: 'name', label: 'project.name', required: true, maxlength: 200 },
      { name: 'quantity', label: 'project.quantity', type: 'number', required: true, value: '1' },
      { name: 'unit', label: 'editor.field.unit', maxlength: 32 },
      { name: 'part_number', label: 'project.part_number', maxlength: 100 },
      { name: 'supplier_url', label: 'editor.field.supplier_url', type: 'url' },
      { name: 'unit_price', label: 'project.price', inputmode: 'decimal', placeholder: '12.50', maxlength: 20 },
      { name: 'currency', label: 'editor.field.currency', placeholder: 'EUR', maxlength: 3 },
      { name: 'notes', label: 'project.notes' },
    ],
    name: (b) => b.name,
    summary: (b) => [el('strong', { text: `${b.quantity}${b.unit ? ` ${b.unit}` : ''} × ${b.name}` }),
      el('p', { class: 'stoa-muted', text: [b.part_number, b.unit_price ? `${b.unit_price} ${b.currency || ''}`.trim() : '', b.notes]
        .filter(Boolean).join(' · ') })],
    add: 'editor.bom.add',
    added: 'editor.bom.added',
  },
  tools: {
    fields: [
      { name: 'name', label: 'project.name', required: true, maxlength: 200 },
      { name: 'kind', label: 'editor.field.tool_kind', type: 'select', options: [['tool', 'project.kind_tool'], ['material', 'project.kind_material']] },
      { name: 'notes', label: 'project.notes' },
    ],
    name: (x) => x.name,
    summary: (x) => [el('strong', { text: x.name }), ` (${t(`project.kind_${x.kind}`)})`,
      x.notes ? el('p', { class: 'stoa-muted', text: x.notes }) : null],
    add: 'editor.tools.add',
    added: 'editor.tools.added',
  },
  links: {
    fields: [
      { name: 'kind', label: 'editor.field.link_kind', type: 'select', options: LINK_KINDS.map((k) => [k, `editor.link_kind.${k}`]) },
      { name: 'title', label: 'editor.field.link_title', required: true, maxlength: 200 },
      { name: 'url', label: 'editor.field.url', type: 'url', required: true },
    ],
    name: (x) => x.title,
    summary: (x) => [el('strong', { text: x.title }), ` (${t(`editor.link_kind.${x.kind}`)})`,
      el('p', { class: 'stoa-muted stoa-clip', text: x.url })],
    add: 'editor.links.add',
    added: 'editor.links.added',
  },
  components: {
    name: (c) => c.component.name,
    summary: (c) => [el('strong', { text: `${c.quantity} × ${c.component.name}` }),
      el('p', { class: 'stoa-muted', text: [c.component.manufacturer, c.component.part_number, c.notes].filter(Boolean).join(' · ') })],
  },
  files: {
    name: (f) => f.filename,
    summary: (f) => [el('a', { href: f.url, download: '', text: f.filename }), ` (${Math.max(1, Math.ceil(f.size / 1024))} KiB)`,
      f.description ? el('p', { class: 'stoa-muted', text: f.description }) : null],
  },
  images: {
    name: (i) => i.filename,
    summary: (i) => [el('img', { class: 'stoa-thumb', src: i.thumbnail_url || i.url, alt: i.caption || i.filename, loading: 'lazy' }),
      el('div', {}, el('span', { text: i.filename }), i.primary ? el('span', { class: 'stoa-badge', text: t('editor.images.primary') }) : null,
        i.caption ? el('p', { class: 'stoa-muted', text: i.caption }) : null)],
    extra: (i) => (i.primary ? [] : [button('editor.images.make_primary', t('editor.images.make_primary_named', { name: i.filename }),
      () => makePrimary(i), { act: 'primary', secondary: true })]),
  },
};

// --- forms built from the field lists -------------------------------------------

function fieldNode(prefix, f, value) {
  const id = `${prefix}-${f.name}`;
  let input;
  if (f.type === 'textarea') {
    input = el('textarea', { id, name: f.name, rows: f.rows || 3 });
  } else if (f.type === 'select') {
    input = el('select', { id, name: f.name }, f.options.map(([v, key]) => el('option', { value: v, text: t(key) })));
  } else {
    input = el('input', {
      id, name: f.name, type: f.type === 'number' ? 'number' : f.type === 'url' ? 'url' : 'text',
      min: f.type === 'number' ? '1' : null, max: f.type === 'number' ? '100000' : null,
      inputmode: f.type === 'number' ? 'numeric' : f.type === 'url' ? 'url' : f.inputmode,
      placeholder: f.type === 'url' ? 'https://' : f.placeholder, maxlength: f.maxlength, required: f.required,
    });
  }
  input.value = value ?? f.value ?? (f.type === 'select' ? f.options[0][0] : '');
  return el('div', { class: 'stoa-field' }, el('label', { for: id, text: t(f.label) }), input);
}

/** The JSON body of a part form; empty optional fields are left out on create (and clear on update). */
function bodyOf(fields, form, create) {
  const body = {};
  for (const f of fields) {
    const raw = form.elements[f.name].value;
    const value = raw.trim();
    if (f.type === 'number') {
      if (value === '') { if (f.required) throw fieldError(f.name, 'required'); continue; }
      if (!/^\d+$/.test(value)) throw fieldError(f.name, 'out_of_range');
      body[f.name] = Number(value);
    } else if (value !== '' || !create) {
      body[f.name] = f.type === 'textarea' ? raw : value;
    }
  }
  return body;
}

function button(key, label, action, { act, secondary = false, danger = false } = {}) {
  return el('button', {
    type: 'button', class: danger ? 'stoa-danger' : secondary ? 'stoa-secondary' : '', text: t(key),
    'aria-label': label, dataset: act ? { act } : undefined, on: { click: action },
  });
}

// --- rendering a list -------------------------------------------------------------

const itemSelector = (key, id, act) => `#${key}-list li[data-id="${CSS.escape(String(id))}"]${act ? ` [data-act="${act}"]` : ''}`;

function render(key, focus) {
  const list = clear($(`#${key}-list`));
  const items = state[key];
  if (!items.length) list.append(el('li', { class: 'stoa-muted stoa-empty', text: t('editor.none') }));
  items.forEach((item, index) => list.append(partItem(key, item, index)));
  if (focus) {
    const target = $(focus);
    if (target) target.focus();
  }
}

function partItem(key, item, index) {
  const spec = PARTS[key];
  const name = spec.name(item);
  const li = el('li', { class: 'stoa-part', dataset: { id: String(item.id) } });
  if (editing[key] === item.id) {
    li.append(editForm(key, item));
    return li;
  }
  if (key === 'steps') li.append(stepHandle(item, index));
  li.append(el('div', { class: 'stoa-part-body' }, spec.summary(item, index)));
  const actions = el('div', { class: 'stoa-part-actions' });
  if (confirming[key] === item.id) {
    actions.append(el('span', { class: 'stoa-confirm', text: t('editor.confirm_delete', { name }) }),
      button('editor.delete_yes', t('editor.delete_yes_named', { name }), () => removeItem(key, item), { act: 'confirm-delete', danger: true }),
      button('editor.cancel', t('editor.cancel'), () => { delete confirming[key]; render(key, itemSelector(key, item.id, 'delete')); }, { act: 'cancel', secondary: true }));
  } else {
    if (key === 'steps') {
      actions.append(
        button('editor.move_up', t('editor.move_up_named', { name }), () => moveStep(item.id, -1, 'up'), { act: 'up', secondary: true }),
        button('editor.move_down', t('editor.move_down_named', { name }), () => moveStep(item.id, 1, 'down'), { act: 'down', secondary: true }));
      const [up, down] = actions.children;
      up.disabled = index === 0;
      down.disabled = index === state.steps.length - 1;
    }
    if (spec.extra) actions.append(...spec.extra(item));
    if (spec.fields) {
      actions.append(button('editor.edit', t('editor.edit_named', { name }), () => {
        editing[key] = item.id;
        render(key, `#${key}-e${item.id}-${spec.fields[0].name}`);
      }, { act: 'edit', secondary: true }));
    }
    actions.append(button('editor.delete', t('editor.delete_named', { name }), () => {
      confirming[key] = item.id;
      render(key, itemSelector(key, item.id, 'cancel'));
    }, { act: 'delete', secondary: true }));
  }
  li.append(actions);
  return li;
}

function editForm(key, item) {
  const spec = PARTS[key];
  const prefix = `${key}-e${item.id}`;
  const form = el('form', { class: 'stoa-part-form', novalidate: true, 'aria-label': t('editor.edit_named', { name: spec.name(item) }) },
    el('div', { class: spec.fields.length > 2 ? 'stoa-grid' : '' }, spec.fields.map((f) => fieldNode(prefix, f, item[f.name] == null ? '' : String(item[f.name])))),
    el('div', { class: 'stoa-actions' },
      el('button', { type: 'submit', text: t('editor.save'), dataset: { act: 'save' } }),
      button('editor.cancel', t('editor.cancel'), () => { delete editing[key]; render(key, itemSelector(key, item.id, 'edit')); }, { act: 'cancel', secondary: true })));
  onSubmit(form, async () => {
    const updated = await api('PUT', `${base}/${key}/${encodeURIComponent(item.id)}`, { json: bodyOf(spec.fields, form, false) });
    state[key] = state[key].map((x) => (x.id === item.id ? updated : x));
    delete editing[key];
    render(key, itemSelector(key, item.id, 'edit'));
    announce(t('editor.saved_named', { name: spec.name(updated) }));
  });
  return form;
}

async function removeItem(key, item) {
  const index = state[key].indexOf(item);
  try {
    await api('DELETE', `${base}/${key}/${encodeURIComponent(item.id)}`);
  } catch (e) {
    notice(errorMessage(e), 'error');
    return;
  }
  delete confirming[key];
  if (key === 'images') state.images = await list('images');  // the next image may have become the primary one
  else state[key] = state[key].filter((x) => x !== item);
  const next = state[key][Math.min(index, state[key].length - 1)];
  const adder = $(`#${key}-form`) || $(`#${key}-add-form`);
  render(key, next ? itemSelector(key, next.id, 'delete') : null);
  if (!next && adder) $('input, textarea, select', adder).focus();
  announce(t('editor.deleted_named', { name: PARTS[key].name(item) }));
}

/** The add form under a list of text parts (steps, BOM, tools, links). */
function addForm(key) {
  const spec = PARTS[key];
  const form = el('form', { id: `${key}-add-form`, class: 'stoa-part-form', novalidate: true },
    el('h3', { text: t(spec.add) }),
    el('div', { class: spec.fields.length > 2 ? 'stoa-grid' : '' }, spec.fields.map((f) => fieldNode(`${key}-add`, f))),
    el('div', { class: 'stoa-actions' }, el('button', { type: 'submit', id: `${key}-add`, text: t(spec.add) })));
  onSubmit(form, async () => {
    const created = await api('POST', `${base}/${key}`, { json: bodyOf(spec.fields, form, true) });
    state[key].push(created);
    render(key);
    form.reset();
    form.elements[spec.fields[0].name].focus();
    announce(t(spec.added, { name: spec.name(created) }));
  });
  $(`#${key}-list`).after(form);
}

const list = (path) => api('GET', `${base}/${path}`).then((a) => a.items);

// --- steps: reorder by drag, by the arrow keys on the handle, or by buttons ---------

let moving = 0;
let chain = Promise.resolve();

function stepHandle(step, index) {
  const handle = el('button', {
    type: 'button', class: 'stoa-handle stoa-secondary', text: '⇅', dataset: { act: 'handle' },
    'aria-label': t('editor.steps.handle', { n: index + 1, name: step.title }), 'aria-describedby': 'steps-move-hint',
  });
  handle.addEventListener('keydown', (e) => {
    const delta = { ArrowUp: -1, ArrowDown: 1 }[e.key];
    if (!delta || e.altKey || e.ctrlKey || e.metaKey) return;
    e.preventDefault();
    moveStep(step.id, delta, 'handle');
  });
  // Only the handle starts a drag (the text of a step stays selectable).
  handle.addEventListener('pointerdown', () => { handle.closest('li').draggable = true; });
  handle.addEventListener('pointerup', () => { handle.closest('li').draggable = false; });
  return handle;
}

function moveStep(id, delta, control) {
  const ids = state.steps.map((s) => s.id);
  const from = ids.indexOf(id);
  const to = from + delta;
  if (from < 0 || to < 0 || to >= ids.length) return;
  ids.splice(from, 1);
  ids.splice(to, 0, id);
  commitOrder(ids, id, control);
}

/** Shows the new order at once, then saves it (one request after the other). */
function commitOrder(ids, movedId, control) {
  const byId = new Map(state.steps.map((s) => [String(s.id), s]));
  state.steps = ids.map((x) => byId.get(String(x)));
  const focusable = control === 'up' && ids[0] === movedId ? 'down'
    : control === 'down' && ids[ids.length - 1] === movedId ? 'up' : control;
  render('steps', itemSelector('steps', movedId, focusable));
  const step = byId.get(String(movedId));
  const position = ids.indexOf(movedId) + 1;
  const listNode = $('#steps-list');
  moving += 1;
  listNode.dataset.busy = '1';
  const order = state.steps.map((s) => s.id);
  chain = chain.then(async () => {
    try {
      await api('PUT', `${base}/steps/reorder`, { json: { order } });
      announce(t('editor.steps.moved', { name: step.title, n: position, total: order.length }));
    } catch (e) {
      notice(errorMessage(e), 'error');
      state.steps = await list('steps').catch(() => state.steps);
      render('steps');
    } finally {
      moving -= 1;
      if (!moving) delete listNode.dataset.busy;
    }
  });
}

function wireDrag() {
  const listNode = $('#steps-list');
  let dragged = null;
  listNode.addEventListener('dragstart', (e) => {
    dragged = e.target.closest('li[data-id]');
    if (!dragged) return;
    dragged.classList.add('is-dragging');
    e.dataTransfer.effectAllowed = 'move';
    e.dataTransfer.setData('text/plain', dragged.dataset.id);
  });
  listNode.addEventListener('dragover', (e) => {
    if (!dragged) return;
    e.preventDefault();
    const over = e.target.closest('li[data-id]');
    if (!over || over === dragged) return;
    const box = over.getBoundingClientRect();
    listNode.insertBefore(dragged, e.clientY > box.top + box.height / 2 ? over.nextSibling : over);
  });
  listNode.addEventListener('drop', (e) => { if (dragged) e.preventDefault(); });
  listNode.addEventListener('dragend', () => {
    if (!dragged) return;
    const li = dragged;
    dragged = null;
    li.classList.remove('is-dragging');
    li.draggable = false;
    const order = $$('li[data-id]', listNode).map((n) => n.dataset.id);
    const byId = new Map(state.steps.map((s) => [String(s.id), s.id]));
    if (order.join() === state.steps.map((s) => String(s.id)).join()) return;
    commitOrder(order.map((x) => byId.get(x)), byId.get(li.dataset.id), 'handle');
  });
}

// --- components: search, create, attach ---------------------------------------------

let searchSeq = 0;
let searchTimer = 0;

async function searchComponents() {
  const q = $('#components-q').value.trim();
  const seq = ++searchSeq;
  const results = $('#components-results');
  const found = $('#components-found');
  if ([...q].length < 2) {
    clear(results);
    found.textContent = '';
    return;
  }
  try {
    const { items } = await api('GET', `/components/search?q=${encodeURIComponent(q)}`);
    if (seq !== searchSeq) return;
    clear(results).append(...items.map((c) => el('li', {}, el('button', {
      type: 'button', class: 'stoa-secondary', text: t('editor.components.use'), dataset: { component: String(c.id) },
      'aria-label': t('editor.components.use_named', { name: c.name }), on: { click: () => attachFromSearch(c) },
    }), ' ', el('span', { text: c.name }), c.manufacturer || c.part_number
      ? el('span', { class: 'stoa-muted', text: ` · ${[c.manufacturer, c.part_number].filter(Boolean).join(' · ')}` }) : null)));
    found.textContent = items.length ? t('editor.components.found', { n: items.length }) : t('editor.components.none_found');
  } catch (e) {
    if (seq === searchSeq) found.textContent = errorMessage(e);
  }
}

async function attach(componentId, form) {
  const quantity = $('#components-quantity').value.trim() || '1';
  if (!/^\d+$/.test(quantity)) throw fieldError('quantity', 'out_of_range');
  const body = { component_id: componentId, quantity: Number(quantity) };
  const notes = $('#components-notes').value.trim();
  if (notes) body.notes = notes;
  const added = await api('POST', `${base}/components`, { json: body });
  state.components.push(added);
  render('components');
  $('#components-form').reset();
  clear($('#components-results'));
  $('#components-found').textContent = '';
  announce(t('editor.components.added', { name: added.component.name }));
  if (form) showNotice(form, t('editor.components.added', { name: added.component.name }));
  return added;
}

async function attachFromSearch(component) {
  const form = $('#components-form');
  try {
    await attach(component.id);
    $('#components-q').focus();
  } catch (e) {
    showErrors(form, e);
  }
}

function wireComponents() {
  const form = $('#components-form');
  $('#components-q').addEventListener('input', () => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(searchComponents, 250);
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    clearTimeout(searchTimer);
    searchComponents();
  });
  const create = $('#component-new-form');
  onSubmit(create, async (values) => {
    const body = {};
    for (const k of ['name', 'manufacturer', 'part_number', 'datasheet_url', 'description']) {
      if ((values[k] || '').trim()) body[k] = values[k].trim();
    }
    if (!body.name) throw fieldError('name', 'required');
    let id;
    let existed = false;
    try {
      id = (await api('POST', '/components', { json: body })).id;
    } catch (e) {
      // A component of that name exists already (names ignore case): use it.
      if (!(e instanceof ApiError && e.status === 409 && e.problem.existing_id != null)) throw e;
      id = e.problem.existing_id;
      existed = true;
    }
    const added = await attach(id);
    create.reset();
    showNotice(create, existed ? t('editor.components.existed', { name: added.component.name })
      : t('editor.components.added', { name: added.component.name }));
  });
}

// --- files and images ------------------------------------------------------------------

function wireUpload(key, { text, max, types }) {
  const form = $(`#${key}-form`);
  const fileInput = $(`#${key}-file`);
  const progress = $(`#${key}-progress`);
  const field = fileInput.name;
  onSubmit(form, async () => {
    const file = fileInput.files[0];
    if (!file) throw fieldError(field, 'required');
    const ext = (file.name.split('.').pop() || '').toLowerCase();
    if (!file.name.includes('.') || !types.includes(ext)) throw fieldError(field, 'invalid_type');
    if (file.size > max) throw fieldError(field, 'too_large');
    const data = new FormData();
    const note = form.elements[text].value.trim();
    if (note) data.append(text, note);
    data.append('file', file);
    progress.value = 0;
    progress.hidden = false;
    let answer;
    try {
      answer = await upload('POST', `${base}/${key}`, data, (share) => { progress.value = Math.round(share * 100); });
      progress.value = 100;
    } catch (e) {
      // The server names "file" (or the count quota "files"/"images"): show it at the file input.
      if (e instanceof ApiError && e.status === 413) throw new ApiError(422, { errors: [{ field, code: 'storage_full' }] });
      for (const item of e.errors || []) if (['file', 'files', 'images'].includes(item.field)) item.field = field;
      throw e;
    } finally {
      progress.hidden = true;
    }
    if (key === 'images') state.images = await list('images');
    else state.files.push(answer);
    render(key);
    form.reset();
    showNotice(form, t(`editor.${key}.uploaded`, { name: answer.filename }));
    announce(t(`editor.${key}.uploaded`, { name: answer.filename }));
  });
}

async function makePrimary(image) {
  try {
    await api('PUT', `${base}/images/${encodeURIComponent(image.id)}/primary`);
    state.images = await list('images');
    render('images', itemSelector('images', image.id, 'delete'));
    announce(t('editor.images.primary_set', { name: image.filename }));
  } catch (e) {
    notice(errorMessage(e), 'error');
  }
}

// --- the project itself ------------------------------------------------------------------

function fillDetails() {
  const form = $('#project-form');
  for (const k of ['title', 'description', 'background']) form.elements[k].value = project[k] || '';
  form.elements.source_url.value = project.source_url || '';
  form.elements.tags.value = (project.tags || []).join(', ');
}

function detailsBody(values) {
  const body = {
    title: values.title.trim(),
    description: values.description,
    background: values.background,
    source_url: values.source_url.trim(),
    tags: values.tags.split(',').map((s) => s.trim()).filter(Boolean),
  };
  if (!body.title) throw fieldError('title', 'required');
  return body;
}

function showStatus() {
  const published = project.status === 'published';
  $('#project-status-text').textContent = published
    ? t('editor.status_published', { date: formatDate(project.published_at) })
    : t('editor.status_draft');
  $('#project-publish').hidden = published;
  $('#project-unpublish').hidden = !published;
  $('#project-view').href = `/stoa/project.html?id=${encodeURIComponent(project.id)}`;
  $('#editor-heading').textContent = t('editor.heading_edit', { title: project.title });
  document.title = t('editor.title_named', { title: project.title });
}

function wireDetails() {
  const form = $('#project-form');
  onSubmit(form, async (values) => {
    const body = detailsBody(values);
    if (project) {
      project = await api('PUT', base, { json: body });
      fillDetails();
      showStatus();
      showNotice(form, t('common.saved'));
      return;
    }
    if (!body.source_url) delete body.source_url;
    project = await api('POST', '/projects', { json: body });
    history.replaceState(null, '', `?id=${encodeURIComponent(project.id)}`);
    await openProject();
    notice(t('editor.created'));
  });
  const status = async (action, focus) => {
    try {
      project = await api('POST', `${base}/${action}`);
      showStatus();
      $(focus).focus();
      announce($('#project-status-text').textContent);
    } catch (e) {
      notice(errorMessage(e), 'error');
    }
  };
  $('#project-publish').addEventListener('click', () => status('publish', '#project-unpublish'));
  $('#project-unpublish').addEventListener('click', () => status('unpublish', '#project-publish'));
  onSubmit($('#delete-form'), async () => {
    if (!$('#delete-confirm').checked) throw fieldError('confirm', 'required');
    await api('DELETE', base);
    location.assign(`/stoa/projects.html?author=${encodeURIComponent(user.username)}`);
  });
}

let partsWired = false;

async function openProject() {
  base = `/projects/${encodeURIComponent(project.id)}`;
  fillDetails();
  showStatus();
  $('#project-save').textContent = t('editor.save');
  $('#status-section').hidden = false;
  const keys = Object.keys(state);
  const loaded = await Promise.all(keys.map((k) => list(k)));
  keys.forEach((k, i) => { state[k] = loaded[i]; });
  if (!partsWired) {
    partsWired = true;
    for (const key of ['steps', 'bom', 'tools', 'links']) addForm(key);
    wireDrag();
    wireComponents();
    wireUpload('files', { text: 'description', max: 25 * MB, types: FILE_TYPES });
    wireUpload('images', { text: 'caption', max: 10 * MB, types: IMAGE_TYPES });
  }
  for (const key of keys) render(key);
  $('#parts').hidden = false;
}

async function start() {
  user = await boot({ needUser: true });
  wireDetails();
  const id = queryParam('id');
  if (id) {
    try {
      project = await api('GET', `/projects/${encodeURIComponent(id)}`);
    } catch (e) {
      notice(errorMessage(e), 'error');
      return;
    }
    const mine = project.author && project.author.username.toLowerCase() === user.username.toLowerCase();
    if (!mine && user.role !== 'admin') {
      notice(t('editor.not_yours'), 'error');
      return;
    }
    await openProject();
  }
  $('#details-section').hidden = false;
  document.documentElement.dataset.stoaLoaded = '1';
}

start().catch((e) => notice(errorMessage(e), 'error'));
