// ftp-gateway web UI: a plain client of the public /api/v1 API (no build step,
// no dependencies). Every request goes through XMLHttpRequest, which reports
// upload and download progress; a 401 asks for an API key (kept in
// sessionStorage, i.e. for this tab only) or, on a pass-through server, for
// the user's FTP login (kept in memory only), then retries once.
//
// Downloads are fetched with the key in a header and saved through a Blob URL:
// a plain <a href> cannot send the key. The file is held in the tab's memory
// until saved, which suits files up to a few hundred MB; use curl for more.

const KEY_STORAGE = 'ftp-gateway.apiKey';
const API = new URL('../api/v1/', location.href);

const $ = (id) => document.getElementById(id);
const state = {
  servers: [],
  server: null,
  /** The current folder as decoded path segments below the server root. */
  path: [],
  /** Pass-through FTP logins per server name: memory only. */
  ftpLogins: new Map(),
  /** The open event stream of the live view, or null. */
  live: null,
  /** A listing refresh due after live events. */
  liveRefresh: undefined,
};

class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

// ---------------------------------------------------------------- requests

function apiUrl(kind, segments, query = {}) {
  const tail = segments.map(encodeURIComponent).join('/');
  const url = new URL(`servers/${encodeURIComponent(state.server)}/${kind}/${tail}`, API);
  for (const [name, value] of Object.entries(query)) if (value) url.searchParams.set(name, value);
  return url;
}

/** The per-transfer choices as query options; empty = the server's configured default. */
function transferOptions() {
  return { mode: $('mode').value, type: $('type').value };
}

function authHeaders(serverName) {
  const headers = {};
  const key = sessionStorage.getItem(KEY_STORAGE);
  if (key) headers['X-API-Key'] = key;
  const login = serverName ? state.ftpLogins.get(serverName) : undefined;
  if (login) headers.Authorization = `Basic ${base64(`${login.user}:${login.password}`)}`;
  return headers;
}

function base64(text) {
  const bytes = new TextEncoder().encode(text);
  let binary = '';
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary);
}

/** One XHR as a promise: resolves with the XHR whatever its status. */
function xhr({ method, url, body, headers = {}, responseType = 'text', onUpload, onDownload }) {
  return new Promise((resolve, reject) => {
    const req = new XMLHttpRequest();
    req.open(method, url);
    req.responseType = responseType;
    for (const [name, value] of Object.entries(headers)) req.setRequestHeader(name, value);
    if (onUpload) req.upload.addEventListener('progress', onUpload);
    if (onDownload) req.addEventListener('progress', onDownload);
    req.addEventListener('load', () => resolve(req));
    req.addEventListener('error', () => reject(new ApiError(0, { title: 'Network error', detail: 'the gateway could not be reached' })));
    req.addEventListener('abort', () => reject(new ApiError(0, { title: 'Aborted', detail: 'the request was cancelled' })));
    req.send(body ?? null);
  });
}

async function problemOf(req) {
  let text = '';
  try {
    if (req.responseType === 'json') {
      if (req.response) return req.response;
      throw new Error('not JSON');
    }
    text = req.responseType === 'blob' ? await req.response.text() : req.responseText;
    return JSON.parse(text);
  } catch {
    return { title: req.statusText || `HTTP ${req.status}`, detail: text.slice(0, 200) };
  }
}

/**
 * A request to the API with the current credentials. On 401 it asks for
 * what is missing and tries again; a cancelled prompt gives up with the 401.
 */
async function api(options, serverName = state.server) {
  for (;;) {
    const req = await xhr({ ...options, headers: { ...options.headers, ...authHeaders(serverName) } });
    if (req.status < 400) return req;
    const problem = await problemOf(req);
    if (req.status === 401) {
      // UNAUTHORIZED is the gateway's own API key check; any other 401 is a
      // pass-through server asking for (or refusing) the caller's FTP login.
      const ftp = problem.code !== 'UNAUTHORIZED' && serverName !== null;
      if (await askCredentials(problem, ftp, serverName)) continue;
    }
    throw new ApiError(req.status, problem);
  }
}

// ---------------------------------------------------------------- credentials

let pendingPrompt = null;

/** Shows the sign-in dialog; resolves true when the user entered something. Concurrent 401s share one prompt. */
function askCredentials(problem, ftp, serverName) {
  pendingPrompt ??= new Promise((resolve) => {
    const dialog = $('key-dialog');
    $('key-reason').textContent = problem?.detail ? `${problem.title}: ${problem.detail}` : 'The gateway needs an API key.';
    $('key-fields').hidden = ftp && sessionStorage.getItem(KEY_STORAGE) !== null;
    $('ftp-fields').hidden = !ftp;
    $('api-key').value = '';
    $('ftp-password').value = '';
    dialog.addEventListener(
      'close',
      () => {
        pendingPrompt = null;
        if (dialog.returnValue !== 'ok') return resolve(false);
        const key = $('api-key').value.trim();
        if (key) sessionStorage.setItem(KEY_STORAGE, key);
        if (ftp && $('ftp-user').value) {
          state.ftpLogins.set(serverName, { user: $('ftp-user').value, password: $('ftp-password').value });
        }
        resolve(true);
      },
      { once: true },
    );
    dialog.returnValue = '';
    dialog.showModal();
    (ftp ? $('ftp-user') : $('api-key')).focus();
  });
  return pendingPrompt;
}

// ---------------------------------------------------------------- messages

function showError(error) {
  const box = $('error');
  if (!error) {
    box.hidden = true;
    box.textContent = '';
    return;
  }
  const p = error.problem ?? { title: 'Error', detail: String(error.message ?? error) };
  const status = error.status ? ` (${error.status})` : '';
  const ftp = p.ftpCode ? ` — FTP ${p.ftpCode}` : '';
  box.textContent = `${p.title ?? 'Error'}${status}: ${p.detail ?? ''}${ftp}`;
  box.hidden = false;
}

/** Runs an action, showing its error instead of throwing. */
async function run(action) {
  try {
    await action();
  } catch (error) {
    showError(error);
  }
}

function formatSize(bytes) {
  if (bytes === null || bytes === undefined) return '';
  if (bytes < 1024) return `${bytes} B`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${value.toFixed(1)} ${units[unit]}`;
}

function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (name.startsWith('on')) node.addEventListener(name.slice(2), value);
    else if (value !== undefined && value !== null) node.setAttribute(name, value);
  }
  node.append(...children);
  return node;
}

// ---------------------------------------------------------------- servers and folders

async function loadServers() {
  const req = await api({ method: 'GET', url: new URL('servers', API), responseType: 'json' }, null);
  state.servers = req.response;
  const select = $('server');
  select.replaceChildren(...state.servers.map((s) => el('option', { value: s.name }, s.name)));
  if (state.servers.length === 0) {
    showError({ problem: { title: 'No servers', detail: 'the gateway has no FTP server configured' } });
    return;
  }
  await selectServer(state.servers[0].name);
}

async function selectServer(name) {
  state.server = name;
  state.path = [];
  $('diagnosis').hidden = true;
  $('server').value = name;
  const s = state.servers.find((x) => x.name === name);
  $('server-info').textContent = s ? `${s.host}:${s.port} · TLS ${s.tls} · ${s.mode}/${s.type}${s.readOnly ? ' · read-only' : ''}` : '';
  await refresh();
}

async function navigate(segments) {
  state.path = segments;
  await refresh();
}

async function refresh() {
  showError(null);
  const req = await api({ method: 'GET', url: apiUrl('dirs', state.path, transferOptions()), responseType: 'json' });
  renderCrumbs();
  renderEntries(req.response.entries);
  watchFolder();
}

function renderCrumbs() {
  const items = [el('li', {}, el('button', { type: 'button', onclick: () => run(() => navigate([])) }, state.server))];
  state.path.forEach((segment, i) => {
    const target = state.path.slice(0, i + 1);
    const last = i === state.path.length - 1;
    items.push(
      el(
        'li',
        {},
        last
          ? el('span', { 'aria-current': 'page' }, segment)
          : el('button', { type: 'button', onclick: () => run(() => navigate(target)) }, segment),
      ),
    );
  });
  $('crumbs').replaceChildren(...items);
}

function renderEntries(entries) {
  const sorted = [...entries].sort((a, b) =>
    (a.type === 'directory') === (b.type === 'directory') ? a.name.localeCompare(b.name) : a.type === 'directory' ? -1 : 1,
  );
  const rows = sorted.map((entry) => {
    // A line no listing dialect read (`raw`) names nothing the gateway could act on: shown as it came.
    if (entry.raw !== undefined) return el('tr', { 'data-type': 'unknown' }, el('td', { colspan: '4' }, el('code', {}, entry.raw)));
    const target = [...state.path, entry.name];
    const isDir = entry.type === 'directory';
    const name = isDir
      ? el('button', { type: 'button', class: 'link', onclick: () => run(() => navigate(target)) }, `${entry.name}/`)
      : el('span', {}, entry.name, entry.type === 'file' ? '' : ` (${entry.type})`);
    const actions = el('td', { class: 'actions' });
    if (!isDir)
      actions.append(
        el('button', { type: 'button', onclick: () => run(() => download(target)), 'aria-label': `Download ${entry.name}` }, 'Download'),
      );
    actions.append(
      el('button', { type: 'button', onclick: () => run(() => rename(target)), 'aria-label': `Rename ${entry.name}` }, 'Rename'),
      el('button', { type: 'button', onclick: () => run(() => remove(target, isDir)), 'aria-label': `Delete ${entry.name}` }, 'Delete'),
    );
    return el(
      'tr',
      { 'data-name': entry.name, 'data-type': entry.type },
      el('td', {}, name),
      el('td', { class: 'num', 'data-size': entry.size ?? '' }, formatSize(entry.size)),
      el('td', {}, entry.modifiedAt ? new Date(entry.modifiedAt).toLocaleString() : ''),
      actions,
    );
  });
  $('entries').replaceChildren(...rows);
  $('empty').hidden = rows.length > 0;
}

// ---------------------------------------------------------------- live events

const LIVE_KINDS = ['existing', 'created', 'changed', 'stable', 'deleted', 'error'];
const LIVE_MAX_ITEMS = 200;

/**
 * The live view: the current folder's events (GET …/events/{path}) while
 * "Watch this folder" is ticked. An EventSource when the page needs no
 * credentials (it reconnects by itself and resumes with Last-Event-ID); an
 * EventSource cannot send headers, so with an API key or an FTP login the
 * same stream is read through fetch, resuming the same way.
 */
function watchFolder() {
  const url = $('live-toggle').checked && state.server ? apiUrl('events', state.path).href : null;
  if ((state.live?.url ?? null) === url) return;
  state.live?.close();
  state.live = null;
  $('live-events').replaceChildren();
  if (url === null) {
    $('live-status').textContent = '';
    return;
  }
  const headers = authHeaders(state.server);
  const handlers = {
    open: () => ($('live-status').textContent = `watching /${state.path.join('/')}`),
    reconnecting: () => ($('live-status').textContent = 'connection lost: reconnecting…'),
    message: (kind, data) => {
      liveItem(kind, data);
      // The listing follows what changed (one refresh for a burst of events).
      if (kind === 'created' || kind === 'changed' || kind === 'deleted') {
        clearTimeout(state.liveRefresh);
        state.liveRefresh = setTimeout(() => void run(refresh), 300);
      }
    },
  };
  state.live = Object.keys(headers).length === 0 ? eventSourceStream(url, handlers) : fetchedStream(url, headers, handlers);
  state.live.url = url;
}

function eventSourceStream(url, handlers) {
  const source = new EventSource(url);
  source.addEventListener('open', handlers.open);
  for (const kind of LIVE_KINDS) {
    source.addEventListener(kind, (e) => {
      // The browser's own `error` (a lost connection) carries no data; the gateway's carries JSON.
      if (kind === 'error' && !e.data) return handlers.reconnecting();
      handlers.message(kind, JSON.parse(e.data));
    });
  }
  return { close: () => source.close() };
}

function fetchedStream(url, headers, handlers) {
  const controller = new AbortController();
  let lastId = null;
  const connect = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await fetch(url, {
          headers: { ...headers, Accept: 'text/event-stream', ...(lastId ? { 'Last-Event-ID': lastId } : {}) },
          signal: controller.signal,
        });
        if (!response.ok) throw new ApiError(response.status, await response.json().catch(() => null));
        handlers.open();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let cut = buffer.indexOf('\n\n');
          while (cut !== -1) {
            const message = parseMessage(buffer.slice(0, cut));
            buffer = buffer.slice(cut + 2);
            cut = buffer.indexOf('\n\n');
            if (message.id) lastId = message.id;
            if (message.data !== null && LIVE_KINDS.includes(message.event)) handlers.message(message.event, JSON.parse(message.data));
          }
        }
      } catch (error) {
        if (controller.signal.aborted) return;
        if (error instanceof ApiError && error.status < 500) return showError(error);
      }
      handlers.reconnecting();
      await new Promise((resolve) => setTimeout(resolve, 3000));
    }
  };
  void connect();
  return { close: () => controller.abort() };
}

/** One message of a text/event-stream (WHATWG HTML §9.2.6), comments skipped. */
function parseMessage(block) {
  const message = { id: null, event: 'message', data: null };
  for (const line of block.split('\n')) {
    const colon = line.indexOf(':');
    if (colon === 0) continue;
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
    if (field === 'id') message.id = value;
    else if (field === 'event') message.event = value;
    else if (field === 'data') message.data = message.data === null ? value : `${message.data}\n${value}`;
  }
  return message;
}

function liveItem(kind, data) {
  const list = $('live-events');
  const time = new Date().toLocaleTimeString();
  const what = kind === 'error' ? `${data.code} (next try in ${Math.round(data.retryInMs / 1000)} s)` : data.name;
  const size = kind === 'error' || data.type !== 'file' ? '' : formatSize(data.size);
  list.prepend(
    el(
      'li',
      { 'data-event': kind },
      el('span', { class: 'muted' }, time),
      el('span', { class: 'kind' }, kind),
      el('span', {}, what),
      el('span', { class: 'num' }, size),
    ),
  );
  while (list.children.length > LIVE_MAX_ITEMS) list.lastElementChild.remove();
}

// ---------------------------------------------------------------- transfers

function transferItem(direction, name, options) {
  const bar = el('progress', { max: '1', value: '0', 'aria-label': `${direction} ${name}` });
  const status = el('span', { class: 'status' }, 'waiting');
  const how = [options.mode || 'default mode', options.type || 'default type'].join(', ');
  const item = el(
    'li',
    { 'data-direction': direction, 'data-name': name },
    el('span', { class: 'what' }, `${direction === 'upload' ? '↑' : '↓'} ${name}`),
    bar,
    status,
    el('span', { class: 'muted' }, how),
  );
  $('transfers').prepend(item);
  const progress = (event) => {
    if (event.lengthComputable) {
      bar.max = event.total;
      bar.value = event.loaded;
    } else {
      bar.removeAttribute('value'); // indeterminate
    }
    status.textContent = formatSize(event.loaded);
  };
  return {
    progress,
    done(text) {
      if (!bar.hasAttribute('value')) bar.value = 0;
      bar.value = bar.max;
      status.textContent = text;
      item.dataset.state = 'done';
    },
    failed(error) {
      status.textContent = `failed: ${error.problem?.title ?? error.message}`;
      item.dataset.state = 'failed';
    },
  };
}

/** Uploads one after another (each with its own progress bar) into the current folder. */
async function uploadFiles(files) {
  const folder = [...state.path];
  const options = transferOptions();
  const queue = [...files].map((file) => ({ file, item: transferItem('upload', file.name, options) }));
  for (const { file, item } of queue) {
    try {
      const req = await api({
        method: 'PUT',
        url: apiUrl('files', [...folder, file.name], options),
        body: file,
        headers: { 'Content-Type': 'application/octet-stream' },
        responseType: 'json',
        onUpload: item.progress,
      });
      item.done(`stored, ${formatSize(req.response.size)}`);
    } catch (error) {
      item.failed(error);
      showError(error);
    }
  }
  if (folder.join('/') === state.path.join('/')) await refresh();
}

async function download(target) {
  const name = target[target.length - 1];
  const options = transferOptions();
  const item = transferItem('download', name, options);
  let req;
  try {
    req = await api({ method: 'GET', url: apiUrl('files', target, options), responseType: 'blob', onDownload: item.progress });
  } catch (error) {
    item.failed(error);
    throw error;
  }
  const url = URL.createObjectURL(req.response);
  const a = el('a', { href: url, download: name, hidden: '' });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
  item.done(`saved, ${formatSize(req.response.size)}`);
}

async function remove(target, isDir) {
  const path = target.join('/');
  if (!confirm(isDir ? `Delete the folder “${path}” and everything in it?` : `Delete “${path}”?`)) return;
  if (isDir) await api({ method: 'DELETE', url: apiUrl('dirs', target, { recursive: 'true' }) });
  else await api({ method: 'DELETE', url: apiUrl('files', target) });
  await refresh();
}

function askRename(from) {
  return new Promise((resolve) => {
    const dialog = $('rename-dialog');
    $('rename-title').textContent = `Rename ${from}`;
    $('rename-to').value = from;
    dialog.addEventListener('close', () => resolve(dialog.returnValue === 'ok' ? $('rename-to').value.trim() : null), { once: true });
    dialog.returnValue = '';
    dialog.showModal();
    $('rename-to').select();
  });
}

async function rename(target) {
  const from = target.join('/');
  const to = await askRename(from);
  if (!to || to === from) return;
  await api({
    method: 'POST',
    url: new URL(`servers/${encodeURIComponent(state.server)}/move`, API),
    body: JSON.stringify({ from, to }),
    headers: { 'Content-Type': 'application/json' },
  });
  await refresh();
}

async function makeFolder(name) {
  await api({ method: 'POST', url: apiUrl('dirs', [...state.path, name]) });
  await refresh();
}

// ---------------------------------------------------------------- diagnosis

/** POST …/diagnose for the selected server; the steps as a table, then the settings to use. */
async function diagnose() {
  const button = $('diagnose');
  const section = $('diagnosis');
  button.disabled = true;
  section.hidden = false;
  delete section.dataset.ok;
  $('diagnosis-summary').textContent = `Diagnosing ${state.server}: trying every step on a fresh FTP session…`;
  $('diagnosis-steps').replaceChildren();
  $('diagnosis-recommendation').textContent = '';
  try {
    const url = new URL(`servers/${encodeURIComponent(state.server)}/diagnose`, API);
    const req = await api({ method: 'POST', url, responseType: 'json' });
    renderDiagnosis(req.response);
  } catch (error) {
    section.hidden = true;
    throw error;
  } finally {
    button.disabled = false;
  }
}

function renderDiagnosis(report) {
  const section = $('diagnosis');
  section.dataset.ok = String(report.ok);
  $('diagnosis-summary').textContent = report.ok
    ? 'The gateway can work with this server.'
    : 'Something must change before the gateway can work with this server: see the advice below.';
  // Server text goes in as text nodes only, never as markup.
  const rows = report.steps.map((s) =>
    el(
      'tr',
      { 'data-step': s.step, 'data-ok': String(s.ok) },
      el('th', { scope: 'row' }, s.step),
      el('td', { class: 'result' }, s.ok ? 'ok' : 'failed'),
      el('td', { class: 'num' }, `${s.ms} ms`),
      el('td', {}, el('pre', {}, s.sent ?? '')),
      el('td', {}, el('pre', {}, s.reply ?? '')),
      el('td', { class: 'advice' }, s.advice ?? ''),
    ),
  );
  $('diagnosis-steps').replaceChildren(...rows);
  $('diagnosis-recommendation').textContent = recommendationYaml(state.server, report.recommendation);
}

/** The recommendation as the lines to put under `servers:` in the config file. */
function recommendationYaml(name, r) {
  const lines = [`${name}:`, `  mode: ${r.mode}`];
  if (r.tls)
    lines.push(
      `  tls: { ${Object.entries(r.tls)
        .map(([k, v]) => `${k}: ${v}`)
        .join(', ')} }`,
    );
  if (r.pool) lines.push(`  pool: { max: ${r.pool.max} }`);
  return lines.join('\n');
}

// ---------------------------------------------------------------- wiring

function wire() {
  $('server').addEventListener('change', (e) => run(() => selectServer(e.target.value)));
  $('refresh').addEventListener('click', () => run(refresh));
  $('live-toggle').addEventListener('change', watchFolder);
  $('diagnose').addEventListener('click', () => run(diagnose));
  $('diagnosis-close').addEventListener('click', () => {
    $('diagnosis').hidden = true;
  });
  $('change-key').addEventListener('click', () =>
    run(async () => {
      if (await askCredentials({ title: 'API key', detail: 'enter the key to use from now on' }, false, state.server))
        await (state.server ? refresh() : loadServers());
    }),
  );
  $('file-input').addEventListener('change', (e) => {
    const files = [...e.target.files];
    e.target.value = '';
    void run(() => uploadFiles(files));
  });
  $('mkdir-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const input = $('mkdir-name');
    const name = input.value.trim();
    if (!name) return;
    void run(async () => {
      await makeFolder(name);
      input.value = '';
    });
  });

  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    if (!e.dataTransfer?.types.includes('Files')) return;
    e.preventDefault();
    e.dataTransfer.dropEffect = 'copy';
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', (e) => {
    if (!zone.contains(e.relatedTarget)) zone.classList.remove('over');
  });
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    const files = [...(e.dataTransfer?.files ?? [])];
    if (files.length > 0) void run(() => uploadFiles(files));
  });
}

wire();
void run(loadServers);
