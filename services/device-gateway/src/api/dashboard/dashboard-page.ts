/**
 * The local dashboard (DESIGN.md 1: works with the internet down): one static page, a stylesheet and a script,
 * served by the gateway itself on :8080, no CDN and no build step. It reads the local API with the admin token
 * the operator types once (kept in sessionStorage, so it is gone when the tab closes). Device data is only
 * ever inserted as text (textContent), never as HTML.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Attendance gateway</title><link rel="stylesheet" href="/dashboard.css"></head>
<body>
<header><h1>Attendance gateway</h1><span id="updated" data-testid="updated"></span>
<button id="sign-out" type="button" hidden>Sign out</button></header>
<main>
<form id="login" data-testid="login" hidden>
  <label for="token">Admin token (GATEWAY_ADMIN_TOKEN)</label>
  <input id="token" name="token" type="password" autocomplete="current-password" required minlength="16">
  <button type="submit">Open dashboard</button>
</form>
<p id="message" data-testid="message" role="alert" hidden></p>
<div id="panels" hidden>
  <section><h2>In the building now <span id="inside-count" data-testid="inside-count"></span></h2>
    <table data-testid="inside"><thead><tr><th>Person</th><th>Since</th><th>Device</th><th>Punches today</th></tr></thead><tbody id="inside"></tbody></table></section>
  <section><h2>Waiting to sync</h2><p id="backlog" data-testid="backlog"></p>
    <table><thead><tr><th>Device</th><th>Unsent</th><th>Oldest</th></tr></thead><tbody id="backlog-devices" data-testid="backlog-devices"></tbody></table></section>
  <section><h2>Pending devices</h2><p class="hint">Unknown devices keep their data here, unsent, until approved.</p>
    <table><thead><tr><th>Serial</th><th>Protocol</th><th>Last contact</th><th>Stored requests</th><th></th></tr></thead><tbody id="pending" data-testid="pending"></tbody></table></section>
  <section><h2>Devices</h2>
    <table><thead><tr><th>Serial</th><th>Name</th><th>Protocol</th><th>Status</th><th>Last contact</th><th>Last punch</th><th>Unsent</th><th>Clock skew</th><th>Capacity</th><th>Last error</th></tr></thead>
    <tbody id="devices" data-testid="devices"></tbody></table></section>
  <section><h2>Quarantine <span id="quarantine-total" data-testid="quarantine-total"></span></h2>
    <table><thead><tr><th>#</th><th>Device</th><th>Reason</th><th>Detail</th><th>Line as received</th><th>When</th></tr></thead><tbody id="quarantine" data-testid="quarantine"></tbody></table>
    <button id="quarantine-newest" type="button">Newest</button> <button id="quarantine-older" type="button" data-testid="quarantine-older">Older</button></section>
  <section><h2>Names from the cloud</h2><p id="reference" data-testid="reference"></p>
    <button id="reference-refresh" type="button">Refresh now</button></section>
</div>
</main>
<script src="/dashboard.js"></script>
</body></html>
`;

export const DASHBOARD_CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1d2430; background: #f5f6f8; }
header { display: flex; gap: 1rem; align-items: baseline; padding: .6rem 1rem; background: #1d2430; color: #fff; }
header h1 { font-size: 1.1rem; margin: 0; } header button { margin-left: auto; }
main { padding: 1rem; display: grid; gap: 1rem; }
section, form { background: #fff; border-radius: 6px; padding: .6rem 1rem; box-shadow: 0 1px 2px rgba(0,0,0,.08); }
h2 { font-size: 1rem; margin: .2rem 0 .6rem; }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: .25rem .5rem; border-bottom: 1px solid #e4e7eb; vertical-align: top; }
td.raw { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
.pending { color: #9a5b00; } .bad { color: #b42318; } .hint { color: #667085; margin: 0 0 .4rem; }
#message { background: #fff4e5; border: 1px solid #f5c27a; padding: .6rem 1rem; border-radius: 6px; }
#panels { display: grid; gap: 1rem; }
`;

export const DASHBOARD_JS = `(function () {
  'use strict';
  var TOKEN_KEY = 'gateway.adminToken';
  var REFRESH_MS = 10000;
  var quarantineBefore = null;
  var timer = null;

  function byId(id) { return document.getElementById(id); }
  function text(value) { return value === null || value === undefined || value === '' ? '\\u2013' : String(value); }
  function when(iso) { return iso ? new Date(iso).toLocaleString() : '\\u2013'; }
  function age(seconds) {
    if (seconds === null || seconds === undefined) return '\\u2013';
    if (seconds < 90) return seconds + ' s';
    if (seconds < 5400) return Math.round(seconds / 60) + ' min';
    if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
    return Math.round(seconds / 86400) + ' days';
  }
  function cell(content, className) {
    var td = document.createElement('td');
    if (content instanceof Node) td.appendChild(content); else td.textContent = text(content);
    if (className) td.className = className;
    return td;
  }
  function row(cells, testId) {
    var tr = document.createElement('tr');
    if (testId) tr.setAttribute('data-testid', testId);
    cells.forEach(function (c) { tr.appendChild(c instanceof Node ? c : cell(c)); });
    return tr;
  }
  function fill(id, rows, emptyText, columns) {
    var body = byId(id);
    body.replaceChildren();
    if (rows.length === 0) {
      var td = cell(emptyText);
      td.colSpan = columns;
      body.appendChild(row([td]));
      return;
    }
    rows.forEach(function (r) { body.appendChild(r); });
  }
  function show(id, visible) { byId(id).hidden = !visible; }
  function message(textContent) {
    byId('message').textContent = textContent || '';
    show('message', Boolean(textContent));
  }
  function token() { return sessionStorage.getItem(TOKEN_KEY); }

  function api(path, method) {
    return fetch(path, { method: method || 'GET', headers: { authorization: 'Bearer ' + token(), accept: 'application/json' } }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        if (response.status === 401) { sessionStorage.removeItem(TOKEN_KEY); throw new Error('The admin token was not accepted. Enter it again.'); }
        if (!response.ok) throw new Error((body && body.message) || ('The gateway answered ' + response.status));
        return body;
      });
    });
  }

  function renderInside(presence) {
    byId('inside-count').textContent = '(' + presence.insideCount + ')';
    var inside = presence.people.filter(function (p) { return p.inside; });
    fill('inside', inside.map(function (p) {
      return row([p.employeeName || ('user ' + p.deviceUserId), when(p.punchedAt), p.deviceSerial, p.punchesToday], 'inside-person');
    }), 'Nobody has punched in today.', 4);
  }

  function renderBacklog(backlog) {
    byId('backlog').textContent = backlog.unsent === 0
      ? 'Everything is sent.'
      : backlog.unsent + ' punches waiting to sync; the oldest for ' + age(backlog.oldestAgeSeconds) + '.' + (backlog.rejected ? ' ' + backlog.rejected + ' set aside (refused by the cloud contract).' : '');
    fill('backlog-devices', backlog.devices.map(function (d) { return row([d.serial, d.unsent, age(d.oldestAgeSeconds)]); }), 'Nothing waiting.', 3);
  }

  function approveButton(serial) {
    var button = document.createElement('button');
    button.type = 'button';
    button.textContent = 'Approve';
    button.setAttribute('data-testid', 'approve-' + serial);
    button.addEventListener('click', function () {
      button.disabled = true;
      api('/api/v1/devices/' + encodeURIComponent(serial) + '/approve', 'POST').then(function (result) {
        var a = result.approval;
        message('Approved ' + serial + ': ' + a.punches + ' stored punches forwarded, ' + a.quarantined + ' lines quarantined.');
        return refresh(false);
      }).catch(function (error) { button.disabled = false; message(error.message); });
    });
    return button;
  }

  function renderDevices(devices) {
    var pending = devices.filter(function (d) { return d.status === 'pending'; });
    fill('pending', pending.map(function (d) {
      return row([d.serial, d.protocol, when(d.lastContactAt), d.pendingRequests, cell(approveButton(d.serial))], 'pending-device');
    }), 'No pending devices.', 5);
    fill('devices', devices.map(function (d) {
      var h = d.health || {};
      var punch = d.lastPunch ? (d.lastPunch.employeeName || ('user ' + d.lastPunch.deviceUserId)) + ' ' + d.lastPunch.direction + ', ' + when(d.lastPunch.punchedAt) : null;
      var capacity = h.capacity ? (text(h.capacity.used) + ' / ' + text(h.capacity.max) + (h.capacity.level ? ' (' + h.capacity.level + ')' : '')) : null;
      var status = cell(d.status + (d.configured ? '' : ' (not in config)'), d.status === 'pending' ? 'pending' : '');
      var error = cell(h.lastError ? h.lastError.message : null, h.lastError ? 'bad' : '');
      return row([d.serial, d.name, d.protocol, status, when(d.lastContactAt), punch, d.backlog.unsent,
        h.clockSkewSeconds === null || h.clockSkewSeconds === undefined ? null : Math.round(h.clockSkewSeconds) + ' s', capacity, error], 'device-' + d.serial);
    }), 'No devices configured or seen yet.', 10);
  }

  function renderQuarantine(page) {
    byId('quarantine-total').textContent = '(' + page.total + ')';
    fill('quarantine', page.items.map(function (q) {
      var raw = cell(q.textExcerpt, 'raw');
      raw.title = 'base64: ' + q.rawBase64;
      return row([q.id, q.deviceSerial, q.reason, q.detail, raw, when(q.createdAt)], 'quarantine-item');
    }), 'Nothing quarantined.', 6);
    byId('quarantine-older').disabled = page.nextBefore === null;
    byId('quarantine-older').onclick = function () { quarantineBefore = page.nextBefore; loadQuarantine(); };
  }

  function loadQuarantine() {
    return api('/api/v1/quarantine?limit=20' + (quarantineBefore ? '&before=' + quarantineBefore : '')).then(renderQuarantine);
  }

  function renderReference(status) {
    byId('reference').textContent = !status.configured
      ? 'Not configured (SYNC_COORDINATOR_URL): people are shown by their device user id.'
      : 'Last synced ' + when(status.syncedAt) + ' (cursor ' + status.cursor + '): ' + status.counts.employees + ' employees, ' + status.counts.devices + ' devices, ' + status.counts.sites + ' sites.' + (status.lastError ? ' Last attempt failed: ' + status.lastError : '');
  }

  function refresh(clearMessage) {
    if (!token()) { showLogin(); return Promise.resolve(); }
    show('login', false); show('panels', true); show('sign-out', true);
    return Promise.all([
      api('/api/v1/presence').then(renderInside),
      api('/api/v1/backlog').then(renderBacklog),
      api('/api/v1/devices').then(function (r) { renderDevices(r.items); }),
      loadQuarantine(),
      api('/api/v1/reference').then(renderReference),
    ]).then(function () {
      if (clearMessage) message('');
      byId('updated').textContent = 'updated ' + new Date().toLocaleTimeString();
    }).catch(function (error) {
      message(error.message);
      if (!token()) showLogin();
    });
  }

  function showLogin() {
    show('panels', false); show('sign-out', false); show('login', true);
    byId('token').focus();
  }

  byId('login').addEventListener('submit', function (event) {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, byId('token').value.trim());
    byId('token').value = '';
    refresh(true);
  });
  byId('sign-out').addEventListener('click', function () { sessionStorage.removeItem(TOKEN_KEY); message(''); showLogin(); });
  byId('quarantine-newest').addEventListener('click', function () { quarantineBefore = null; loadQuarantine(); });
  byId('reference-refresh').addEventListener('click', function () {
    api('/api/v1/reference/refresh', 'POST').then(function (r) { renderReference(r.status); if (!r.result.ok) message(r.result.error); }).catch(function (e) { message(e.message); });
  });

  refresh(true);
  timer = setInterval(function () { refresh(false); }, REFRESH_MS);
  window.addEventListener('pagehide', function () { clearInterval(timer); });
})();
`;
