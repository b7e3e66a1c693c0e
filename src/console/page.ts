/**
 * The customer console: one self-contained page (no third-party scripts or fonts, nothing leaves the
 * region), served by the API itself. It calls the management API with the customer's token.
 */
export const CONSOLE_HTML = /* html */ `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Lethe console</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f6f7f9; }
  body { margin: 0; }
  header { background: #24304a; color: #fff; padding: .6rem 1rem; display: flex; gap: 1rem; align-items: center; flex-wrap: wrap; }
  header h1 { font-size: 1.1rem; margin: 0 1rem 0 0; }
  nav button { background: none; border: 0; color: #cfd8ea; padding: .4rem .7rem; font-size: .95rem; cursor: pointer; border-radius: 4px; }
  nav button[aria-current="page"] { background: #3b4b70; color: #fff; }
  nav button:focus-visible, button:focus-visible, input:focus-visible, select:focus-visible { outline: 3px solid #f5b700; outline-offset: 2px; }
  main { max-width: 1000px; margin: 1rem auto; padding: 0 1rem; }
  section { background: #fff; border: 1px solid #d8dde6; border-radius: 6px; padding: 1rem; margin-bottom: 1rem; }
  label { display: block; font-weight: 600; margin: .4rem 0 .2rem; }
  input, select, textarea { font: inherit; padding: .35rem .5rem; border: 1px solid #9aa5b8; border-radius: 4px; max-width: 100%; box-sizing: border-box; }
  #signout { margin-left: auto; }
  button.primary, button.secondary, button.danger { font: inherit; padding: .4rem .8rem; border-radius: 4px; border: 1px solid transparent; cursor: pointer; margin: .3rem .3rem .3rem 0; }
  button.primary { background: #2f5fd0; color: #fff; } button.secondary { background: #e8ecf4; border-color: #9aa5b8; } button.danger { background: #b42318; color: #fff; }
  table { border-collapse: collapse; width: 100%; font-size: .9rem; } th, td { text-align: left; padding: .3rem .4rem; border-bottom: 1px solid #e3e7ee; vertical-align: top; }
  #status { min-height: 1.4rem; margin: .5rem 0; } .error { color: #b42318; font-weight: 600; } .ok { color: #1a7f37; }
  progress { width: 16rem; } .muted { color: #5b6474; font-size: .85rem; } code { background: #eef1f6; padding: 0 .2rem; }
</style>
</head>
<body>
<header>
  <h1>Lethe</h1>
  <nav aria-label="Pages">
    <button data-page="applications">Applications</button>
    <button data-page="users">Users</button>
    <button data-page="findings">Findings</button>
    <button data-page="notices">Notices</button>
    <button data-page="settings">Settings</button>
  </nav>
  <span id="who" hidden><label for="switch" class="muted" style="display:inline;color:#cfd8ea">Account</label>
    <select id="switch"></select><input id="switch-id" size="22" placeholder="acc_…" aria-label="Open the account with this id" hidden>
    <strong id="account-name"></strong></span>
  <button class="secondary" id="signout" hidden>Sign out</button>
</header>
<main>
  <section id="login">
    <h2>Sign in</h2>
    <form id="signin-form" method="post" action="#">
      <label for="email">E-mail</label>
      <input id="email" type="email" size="40" autocomplete="username" required>
      <label for="password">Password</label>
      <input id="password" type="password" size="40" autocomplete="current-password" required>
      <label><input id="staff" type="checkbox"> Lethe staff (support, engineering, IT)</label>
      <button class="primary" type="submit">Sign in</button>
      <button class="secondary" type="button" id="forgot">Forgot password?</button>
    </form>
    <form id="challenge-form" method="post" action="#" hidden>
      <p id="challenge-text"></p>
      <div id="new-password-field"><label for="new-password">New password</label>
      <input id="new-password" type="password" size="40" autocomplete="new-password">
      <p class="muted">At least 12 characters, with upper and lower case letters, a digit and a symbol.</p></div>
      <div id="code-field"><label for="code">Code from your authenticator app</label>
      <input id="code" inputmode="numeric" pattern="[0-9]{6}" size="8" autocomplete="one-time-code"></div>
      <button class="primary" type="submit">Continue</button>
    </form>
    <form id="forgot-form" method="post" action="#" hidden>
      <p>We e-mail a code to set a new password.</p>
      <label for="forgot-email">Your e-mail</label>
      <input id="forgot-email" type="email" size="40" required>
      <div id="reset-fields" hidden>
        <label for="reset-code">Code from the e-mail</label><input id="reset-code" inputmode="numeric" size="8">
        <label for="reset-password">Your new password</label><input id="reset-password" type="password" size="40" autocomplete="new-password">
      </div>
      <button class="primary" type="submit" id="forgot-submit">Send code</button>
      <button class="secondary" type="button" id="forgot-back">Back to sign-in</button>
    </form>
    <details id="token-login"><summary>Operators: sign in with an access token</summary>
    <form id="login-form" method="post" action="#">
      <label for="token">Access token</label>
      <input id="token" type="password" size="60" autocomplete="off" required>
      <label for="account">Account id</label>
      <input id="account" size="30" required placeholder="acc_…">
      <button class="primary" type="submit">Open</button>
    </form></details>
  </section>
  <div id="status" role="status" aria-live="polite"></div>
  <div id="page"></div>
</main>
<script>
(() => {
  const $ = (sel, el = document) => el.querySelector(sel);
  // the API is wherever this page is served from (locally the root, on AWS the stage path)
  const BASE = location.pathname.replace(/[/]console[/]?$/, '');
  const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
  const saved = (k) => sessionStorage.getItem('lethe.' + k) || '';
  const state = { token: saved('token'), account: saved('account'), refresh: saved('refresh'), staff: saved('staff') === '1', page: 'applications' };
  // the ID token's claims (signature checked by the API, not here): which accounts to offer
  const claims = (t) => { try { return JSON.parse(atob(t.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))); } catch { return {}; } };
  const persist = () => { for (const k of ['token', 'account', 'refresh']) sessionStorage.setItem('lethe.' + k, state[k] || ''); sessionStorage.setItem('lethe.staff', state.staff ? '1' : ''); };
  const publicApi = async (path, body) => {
    const res = await fetch(BASE + path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    const data = await res.json().catch(() => ({}));
    if (!res.ok) throw Object.assign(new Error(data.message || res.status + ''), { status: res.status });
    return data;
  };
  const status = (msg, kind = '') => { const s = $('#status'); s.className = kind; s.textContent = msg; };
  async function api(method, path, body, headers, retried) {
    const res = await fetch(BASE + path, { method, headers: { authorization: 'Bearer ' + state.token, 'content-type': 'application/json', ...headers }, body: body ? JSON.stringify(body) : undefined });
    // an ID token that expired (a tab left open, a laptop asleep): one refresh, then the call again
    if (res.status === 401 && state.refresh && !retried) {
      try {
        const r = await publicApi('/v1/session/refresh', { refreshToken: state.refresh, staff: state.staff });
        state.token = r.tokens.idToken; persist(); keepAlive(r.tokens.expiresIn);
        return api(method, path, body, headers, true);
      } catch { /* the session has ended: the 401 below signs out */ }
    }
    const text = await res.text();
    let data; try { data = JSON.parse(text); } catch { data = text; }
    if (!res.ok) throw Object.assign(new Error((data && data.message) || res.status + ' ' + res.statusText), { status: res.status });
    return data;
  }
  const acc = () => '/v1/accounts/' + encodeURIComponent(state.account);
  const time = (ms) => (ms ? new Date(ms).toISOString().replace('T', ' ').slice(0, 19) : '');

  const pages = {
    async applications(el) {
      const a = await api('GET', acc());
      el.innerHTML = '<section><h2>Applications of ' + esc(a.name) + '</h2><table><thead><tr><th>Application</th><th>Browser key</th><th>Allowed origins</th></tr></thead><tbody>' +
        a.applications.map((p) => '<tr><td><code>' + esc(p.applicationId) + '</code></td><td><code>' + esc(p.browserKey) + '</code></td><td>' + esc(p.allowedOrigins.join(', ')) + '</td></tr>').join('') + '</tbody></table>' +
        '<p class="muted">Retention ' + esc(a.retentionDays) + ' days · identifiers ' + (a.pseudonymise ? 'pseudonymised' : 'kept as sent') + ' · region eu-west-1</p></section>';
    },
    async users(el) {
      el.innerHTML = '<section><h2>Users</h2><form id="search"><label for="q">User identifier</label><input id="q" name="q" required size="40"> <button class="primary" type="submit">Search</button></form><div id="results"></div></section><div id="detail"></div>';
      $('#search', el).addEventListener('submit', async (e) => {
        e.preventDefault();
        const q = $('#q', el).value.trim();
        status('Searching…');
        try {
          const r = await api('POST', acc() + '/users/search', { query: q });
          $('#results', el).innerHTML = r.users.length ? '<table><thead><tr><th>User</th><th>Last seen</th><th>Do-not-track</th><th></th></tr></thead><tbody>' +
            r.users.map((u, i) => '<tr><td>' + esc(u.user) + '</td><td>' + time(u.lastSeen) + '</td><td>' + (u.doNotTrack ? 'yes' : 'no') + '</td><td><button class="secondary" data-open="' + i + '">Open</button></td></tr>').join('') + '</tbody></table>' : '<p>No user found.</p>';
          status(r.users.length + ' user(s) found', 'ok');
          $('#results', el).querySelectorAll('[data-open]').forEach((b) => b.addEventListener('click', () => openUser(r.users[Number(b.dataset.open)])));
        } catch (err) { status('Search failed: ' + err.message, 'error'); }
      });
      async function openUser(u) {
        const hash = u.userKey.split('#')[1];
        const d = $('#detail', el);
        status('Loading interactions…');
        try {
          const r = await api('GET', acc() + '/users/' + hash + '/interactions?limit=100');
          const bad = r.items.filter((i) => i.outcome !== 'ok');
          d.innerHTML = '<section aria-labelledby="user-h"><h2 id="user-h">User ' + esc(u.user) + '</h2>' +
            '<button class="primary" id="csv">Download CSV</button> <button class="secondary" id="csv-all">Download all interactions (CSV)</button> <progress id="csv-progress" hidden></progress> ' +
            '<button class="secondary" id="dnt">' + (u.doNotTrack ? 'Lift do-not-track' : 'Mark do-not-track') + '</button> ' +
            '<button class="danger" id="erase">Erase this user…</button>' +
            '<div id="erase-confirm" hidden><p><strong>Erase ' + esc(u.user) + '?</strong> The identity is removed from every interaction. This cannot be undone.</p><button class="danger" id="erase-yes">Yes, erase</button><button class="secondary" id="erase-no">Cancel</button></div>' +
            '<h3>Failed and slow interactions (' + bad.length + ')</h3><table><thead><tr><th>Time</th><th>Type</th><th>Outcome</th><th>Duration</th><th>URL</th><th>Label</th><th>Error</th></tr></thead><tbody>' +
            bad.map((i) => '<tr><td>' + time(i.ts) + '</td><td>' + esc(i.type) + '</td><td>' + esc(i.outcome) + '</td><td>' + esc(i.duration) + ' ms</td><td>' + esc(i.url) + '</td><td>' + esc(i.label) + '</td><td>' + esc(i.error) + '</td></tr>').join('') + '</tbody></table></section>';
          status('', '');
          $('#csv', d).addEventListener('click', () => downloadCsv(hash, false));
          $('#csv-all', d).addEventListener('click', () => downloadCsv(hash, true));
          $('#dnt', d).addEventListener('click', async () => {
            try { await api('POST', acc() + '/users/restrict', { userKey: u.userKey, lift: !!u.doNotTrack }); u.doNotTrack = !u.doNotTrack; status(u.doNotTrack ? 'Marked do-not-track: later events carry no identity.' : 'Do-not-track lifted.', 'ok'); $('#dnt', d).textContent = u.doNotTrack ? 'Lift do-not-track' : 'Mark do-not-track'; }
            catch (err) { status('Could not change do-not-track: ' + err.message, 'error'); }
          });
          $('#erase', d).addEventListener('click', () => { $('#erase-confirm', d).hidden = false; $('#erase-yes', d).focus(); });
          $('#erase-no', d).addEventListener('click', () => { $('#erase-confirm', d).hidden = true; $('#erase', d).focus(); });
          $('#erase-yes', d).addEventListener('click', () => erase(u.userKey));
        } catch (err) { status('Could not load the user: ' + err.message, 'error'); }
      }
      async function downloadCsv(hash, all) {
        const bar = $('#csv-progress'); bar.hidden = false; bar.removeAttribute('value');
        status('Preparing CSV…');
        try {
          // the CSV is written to storage in eu-west-1 and served by a 15-minute link: any size downloads completely
          const out = await api('GET', acc() + '/users/' + hash + '/export' + (all ? '?all=true' : ''));
          const a = document.createElement('a'); a.href = out.url; a.download = 'interactions.csv'; document.body.append(a); a.click(); a.remove();
          status('CSV downloaded (' + out.rows + ' interactions, ' + out.bytes + ' bytes).', 'ok');
        } catch (err) { status('CSV download failed: ' + err.message, 'error'); } finally { bar.hidden = true; }
      }
      async function erase(userKey) {
        try {
          const r = await api('POST', acc() + '/erasures', { userKey });
          $('#detail', el).innerHTML = '<section><h2>Erasure ' + esc(r.requestId) + '</h2><p id="erasure-state">requested</p><progress></progress> <button class="secondary" id="erase-cancel">Cancel erasure</button></section>';
          $('#erase-cancel').addEventListener('click', async () => {
            try { await api('POST', '/v1/erasures/' + r.requestId + '/cancel'); } catch (err) { status('Could not cancel: ' + err.message, 'error'); }
          });
          for (let i = 0; i < 600; i++) {
            const s = await api('GET', '/v1/erasures/' + r.requestId);
            $('#erasure-state').textContent = s.status;
            status('Erasure ' + s.status + '…');
            if (s.status === 'completed') { $('#detail progress').remove(); $('#erase-cancel').remove(); $('#erasure-state').textContent = 'completed: ' + s.receipt.interactionsErased + ' interactions no longer carry the identity (verified)'; status('Erasure completed.', 'ok'); $('#results', el).innerHTML = ''; return; }
            if (s.status === 'failed') { status('Erasure failed; operators were alerted.', 'error'); return; }
            if (s.status === 'cancelled') { $('#detail progress').remove(); $('#erase-cancel').remove(); status('Erasure cancelled; what was already stripped stays stripped.', 'ok'); return; }
            await new Promise((res) => setTimeout(res, 500));
          }
        } catch (err) { status('Erasure request failed: ' + err.message, 'error'); }
      }
    },
    async findings(el) {
      const r = await api('GET', acc() + '/findings');
      el.innerHTML = '<section><h2>Findings</h2><p class="muted">Personal data your application sent by accident. It was removed before storage; values are never kept, only their shape.</p><table><thead><tr><th>Field</th><th>Detector</th><th>Count</th><th>First seen</th><th>Last seen</th><th>Example shape</th></tr></thead><tbody>' +
        r.findings.map((f) => '<tr><td>' + esc(f.kind) + '</td><td>' + esc(f.detector) + '</td><td>' + esc(f.count) + '</td><td>' + time(f.firstSeen) + '</td><td>' + time(f.lastSeen) + '</td><td><code>' + esc(f.example) + '</code></td></tr>').join('') + '</tbody></table></section>';
    },
    async notices(el) {
      const r = await api('GET', acc() + '/notices');
      const breaches = r.notices.filter((n) => n.type === 'breach');
      const found = r.notices.filter((n) => n.type !== 'breach');
      el.innerHTML = '<section><h2>Breach notices</h2>' + (breaches.length ? '<table><thead><tr><th>Reference</th><th>Discovered</th><th>Description</th><th>Notified</th></tr></thead><tbody>' +
        breaches.map((n) => '<tr><td>' + esc(n.breachId) + '</td><td>' + esc(n.discoveredAt) + '</td><td>' + esc(n.description) + '</td><td>' + esc(n.sentAt || 'pending') + '</td></tr>').join('') + '</tbody></table>' : '<p>No breach notices.</p>') + '</section>' +
        '<section><h2>Personal data found</h2><p class="muted">E-mailed to your contacts when a new kind is found, then at most once a day. Stop it by changing the application or adding a scrub rule in Settings.</p>' + (found.length ? '<table><thead><tr><th>Sent</th><th>Notice</th><th>Found</th></tr></thead><tbody>' +
        found.map((n) => '<tr><td>' + esc(n.sentAt) + '</td><td>' + esc(n.type === 'digest' ? 'daily digest' : 'new kind') + '</td><td>' + (n.findings || []).map((f) => esc(f.detector) + ' in ' + esc(f.kind) + ' (' + esc(f.count) + '): <code>' + esc(f.example) + '</code>').join('<br>') + '</td></tr>').join('') + '</tbody></table>' : '<p>No findings notices.</p>') + '</section>';
    },
    async settings(el) {
      const a = await api('GET', acc());
      const allowOf = (text) => text.split(',').map((s) => s.trim()).filter(Boolean);
      el.innerHTML = '<section><h2>Settings</h2><form id="settings-form">' +
        '<label for="retention">Retention (days, 1–90)</label><input id="retention" type="number" min="1" max="90" required value="' + esc(a.retentionDays) + '">' +
        '<label for="pseudo">User identifiers</label><select id="pseudo"><option value="off"' + (a.pseudonymise ? '' : ' selected') + '>kept as sent</option><option value="on"' + (a.pseudonymise ? ' selected' : '') + '>pseudonymised at ingest</option></select>' +
        '<label for="allow">Query parameters never scrubbed (comma-separated)</label><input id="allow" size="50" value="' + esc((a.scrubRules.allowParams || []).join(', ')) + '">' +
        '<div><button class="primary" type="submit">Save settings</button></div></form></section>' +
        '<section><h2>Re-scrub stored data</h2><p class="muted">Applies your current rules and detectors to every interaction stored in the last 90 days (after you change a rule). Values are never shown; the receipt counts what changed.</p>' +
        '<button class="secondary" id="rescrub">Re-scrub stored data</button><div id="rescrub-status"></div></section>' +
        '<section><h2>Agent keys</h2><table><thead><tr><th>Key</th><th>Application</th><th>Created</th><th>Retires</th></tr></thead><tbody>' +
        a.keys.map((k) => '<tr><td><code>' + esc(k.keyId) + '</code></td><td>' + esc(k.applicationId) + '</td><td>' + time(k.createdAt) + '</td><td>' + (k.retiresAt ? time(k.retiresAt * 1000) : 'active') + '</td></tr>').join('') + '</tbody></table>' +
        a.applications.map((p) => '<button class="secondary" data-rotate="' + esc(p.applicationId) + '">Rotate key of ' + esc(p.applicationId) + '</button>').join('') + '<div id="new-key"></div></section>' +
        (String(claims(state.token)['custom:admin_of'] || '').split(',').includes(state.account)
          ? '<section><h2>Invite teammate</h2><form id="invite-form"><label for="invite-email">Teammate’s e-mail</label><input id="invite-email" type="email" size="40" required> ' +
            '<label><input id="invite-admin" type="checkbox"> also an administrator of this account (may invite)</label><button class="primary" type="submit">Send invitation</button></form></section>'
          : '');
      const invite = $('#invite-form', el);
      if (invite) invite.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          const r = await api('POST', acc() + '/people', { email: $('#invite-email', el).value.trim(), admin: $('#invite-admin', el).checked });
          status(r.outcome === 'invited' ? 'Invitation sent: a temporary password is on its way by e-mail.' : 'Done: that person can now open this account.', 'ok');
          $('#invite-email', el).value = '';
        } catch (err) { status('Could not invite: ' + err.message, 'error'); }
      });
      $('#settings-form', el).addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          // Only what changed, as a merge patch, guarded by the version read (a concurrent edit gets 412).
          const changes = {};
          const retention = Number($('#retention', el).value);
          if (retention !== a.retentionDays) changes.retentionDays = retention;
          const pseudo = $('#pseudo', el).value === 'on';
          if (pseudo !== a.pseudonymise) changes.pseudonymise = pseudo;
          const allow = allowOf($('#allow', el).value);
          if (allow.join(',') !== (a.scrubRules.allowParams || []).join(',')) changes.scrubRules = { allowParams: allow.length ? allow : null };
          if (!Object.keys(changes).length) return status('Nothing to save.', 'ok');
          Object.assign(a, await api('PATCH', acc(), changes, { 'if-match': '"v' + a.version + '"' }));
          status('Settings saved.', 'ok');
          if (changes.scrubRules) $('#rescrub-status', el).innerHTML = '<p class="ok">Rules changed: re-scrub what is already stored?</p>';
        } catch (err) { status('Could not save: ' + err.message, 'error'); }
      });
      $('#rescrub', el).addEventListener('click', async () => {
        const out = $('#rescrub-status', el);
        try {
          const job = await api('POST', acc() + '/rescrubs', {});
          for (;;) {
            const s = await api('GET', acc() + '/rescrubs/' + job.rescrubId);
            out.innerHTML = '<p>' + esc(s.status) + (s.keys ? ': ' + esc(s.keysDone) + ' of ' + esc(s.keys) + ' partitions' : '') +
              (s.receipt ? ', ' + esc(s.receipt.examined) + ' examined, ' + esc(s.receipt.changed) + ' changed' : '') + '</p>';
            if (s.status !== 'running') break;
            await new Promise((r) => setTimeout(r, 1000));
          }
        } catch (err) { status('Re-scrub failed: ' + err.message, 'error'); }
      });
      el.querySelectorAll('[data-rotate]').forEach((b) => b.addEventListener('click', async () => {
        try {
          const k = await api('POST', acc() + '/applications/' + b.dataset.rotate + '/keys');
          $('#new-key', el).innerHTML = '<p class="ok">New key <code>' + esc(k.keyId) + '</code>, secret <code>' + esc(k.secret) + '</code> — shown once; older keys stop working ' + time(k.previousKeysRetireAt * 1000) + '.</p>';
          status('Key rotated.', 'ok');
        } catch (err) { status('Rotation failed: ' + err.message, 'error'); }
      }));
    },
  };

  // A page renders off-screen and replaces the current one only if the person has not moved on since: a slow
  // answer never overwrites the page they went to.
  let shown = 0;
  async function show(page) {
    const mine = ++shown;
    state.page = page;
    document.querySelectorAll('nav button').forEach((b) => b.setAttribute('aria-current', b.dataset.page === page ? 'page' : 'false'));
    const el = $('#page');
    if (!state.token) { el.innerHTML = ''; return; }
    if (!state.account) { el.innerHTML = '<section><h2>Choose an account</h2><p>Type the id of the account to open in the header (acc_…).</p></section>'; $('#switch-id').focus(); return; }
    el.innerHTML = '<p>Loading…</p>';
    const view = document.createElement('div');
    try {
      status('');
      await pages[page](view);
      if (mine !== shown) return;
      el.replaceChildren(view);
      const h = el.querySelector('h2'); if (h) { h.tabIndex = -1; h.focus(); }
    } catch (err) {
      if (mine !== shown) return;
      // a bad or expired token, or an account this token cannot open: back to the sign-in form, never a dead page
      if (err.status === 401) return signOut('Your session is not valid (any more): sign in again.', 'error');
      if ((err.status === 403 || err.status === 404) && page === 'applications')
        return signOut('This token cannot open account ' + state.account + ' (' + err.message + '): check the account id.', 'error');
      el.innerHTML = ''; status('Could not load ' + page + ': ' + err.message, 'error');
    }
  }
  // Signed out: the tokens leave sessionStorage (they are never in localStorage), the refresh token is revoked, and
  // the sign-in form comes back.
  let refreshTimer;
  function signOut(message, kind = '') {
    if (state.refresh) publicApi('/v1/session/sign-out', { refreshToken: state.refresh, staff: state.staff }).catch(() => {});
    clearTimeout(refreshTimer);
    Object.assign(state, { token: '', account: '', refresh: '', staff: false }); shown++;
    for (const k of ['token', 'account', 'refresh', 'staff']) sessionStorage.removeItem('lethe.' + k);
    $('#page').innerHTML = ''; $('#login').hidden = false; $('#signout').hidden = true; $('#who').hidden = true;
    showForm('signin-form');
    status(message, kind); $('#email').focus();
  }
  const showForm = (id) => { for (const f of ['signin-form', 'challenge-form', 'forgot-form']) $('#' + f).hidden = f !== id; };
  // The header: the account's name, and a switcher for a person in several accounts (staff type an account id).
  async function header() {
    $('#who').hidden = false; $('#signout').hidden = false; $('#login').hidden = true;
    const c = claims(state.token);
    const mine = String(c['custom:accounts'] || '').split(',').filter(Boolean);
    $('#switch').hidden = !mine.length; $('#switch-id').hidden = !!mine.length;
    if (mine.length) {
      if (!mine.includes(state.account)) state.account = mine[0];
      $('#switch').innerHTML = mine.map((a) => '<option value="' + esc(a) + '"' + (a === state.account ? ' selected' : '') + '>' + esc(a) + '</option>').join('');
      // names, as they load
      mine.forEach((a, i) => api('GET', '/v1/accounts/' + encodeURIComponent(a)).then((x) => { $('#switch').options[i].textContent = x.name; }).catch(() => {}));
    } else $('#switch-id').value = state.account;
    persist();
    $('#account-name').textContent = '';
    if (state.account) api('GET', acc()).then((x) => { $('#account-name').textContent = mine.length ? '' : x.name; }).catch(() => {});
  }
  $('#switch').addEventListener('change', () => { state.account = $('#switch').value; persist(); show(state.page); });
  $('#switch-id').addEventListener('change', () => { state.account = $('#switch-id').value.trim(); persist(); header(); show('applications'); });
  function keepAlive(expiresIn) {
    clearTimeout(refreshTimer);
    if (!state.refresh) return;
    refreshTimer = setTimeout(async () => {
      try { const r = await publicApi('/v1/session/refresh', { refreshToken: state.refresh, staff: state.staff }); state.token = r.tokens.idToken; persist(); keepAlive(r.tokens.expiresIn); }
      catch { signOut('Your session has ended: sign in again.', 'error'); }
    }, Math.max(30, expiresIn - 120) * 1000);
  }
  let pending; // the challenge being answered: { email, challenge, session }
  function step(r, email) {
    if (r.tokens) {
      state.token = r.tokens.idToken; state.refresh = r.tokens.refreshToken || ''; persist();
      keepAlive(r.tokens.expiresIn); $('#password').value = ''; $('#new-password').value = ''; $('#code').value = '';
      const c = claims(state.token);
      if (!c['custom:accounts'] && !state.staff) return signOut('This sign-in has no account: ask your account administrator to invite you.', 'error');
      header(); show('applications'); return;
    }
    pending = { email, challenge: r.challenge, session: r.session };
    showForm('challenge-form');
    $('#new-password-field').hidden = r.challenge !== 'NEW_PASSWORD_REQUIRED';
    $('#code-field').hidden = r.challenge === 'NEW_PASSWORD_REQUIRED';
    $('#challenge-text').textContent = r.challenge === 'NEW_PASSWORD_REQUIRED' ? 'Welcome. Choose a new password to replace the temporary one.'
      : r.challenge === 'MFA_SETUP' ? 'Staff sign-in needs an authenticator app: add this key to it, then enter its code. Key: ' + r.secret
      : 'Enter the code from your authenticator app.';
    status('');
    (r.challenge === 'NEW_PASSWORD_REQUIRED' ? $('#new-password') : $('#code')).focus();
  }
  $('#signin-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    state.staff = $('#staff').checked;
    const email = $('#email').value.trim();
    status('Signing in…');
    try { step(await publicApi('/v1/session', { email, password: $('#password').value, staff: state.staff }), email); }
    catch (err) { status(err.status === 401 ? 'Wrong e-mail or password.' : 'Sign-in failed: ' + err.message, 'error'); $('#password').focus(); }
  });
  $('#challenge-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { ...pending, staff: state.staff };
    if (pending.challenge === 'NEW_PASSWORD_REQUIRED') body.newPassword = $('#new-password').value; else body.code = $('#code').value.trim();
    try { step(await publicApi('/v1/session/challenge', body), pending.email); }
    catch (err) {
      if (err.status === 401) { showForm('signin-form'); status('That did not work (a wrong code, or the step took too long): sign in again.', 'error'); return; }
      status(err.message, 'error');
    }
  });
  $('#forgot').addEventListener('click', () => { showForm('forgot-form'); $('#forgot-email').value = $('#email').value; $('#forgot-email').focus(); });
  $('#forgot-back').addEventListener('click', () => { showForm('signin-form'); $('#reset-fields').hidden = true; $('#forgot-submit').textContent = 'Send code'; });
  $('#forgot-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const email = $('#forgot-email').value.trim();
    try {
      if ($('#reset-fields').hidden) {
        await publicApi('/v1/session/forgot-password', { email, staff: $('#staff').checked });
        $('#reset-fields').hidden = false; $('#forgot-submit').textContent = 'Set new password';
        status('If the address is known, a code is on its way.', 'ok'); $('#reset-code').focus();
      } else {
        await publicApi('/v1/session/reset-password', { email, code: $('#reset-code').value.trim(), newPassword: $('#reset-password').value, staff: $('#staff').checked });
        $('#forgot-back').click(); $('#email').value = email; status('Password changed: sign in with it.', 'ok'); $('#password').focus();
      }
    } catch (err) { status(err.message, 'error'); }
  });
  $('#signout').addEventListener('click', () => signOut('Signed out.', 'ok'));
  document.querySelectorAll('nav button').forEach((b) => b.addEventListener('click', () => show(b.dataset.page)));
  // operators and automation: a Lethe access token and an account id
  $('#login-form').addEventListener('submit', (e) => {
    e.preventDefault();
    state.token = $('#token').value.trim(); state.account = $('#account').value.trim(); state.refresh = '';
    persist();
    $('#login').hidden = true; $('#signout').hidden = false;
    show('applications');
  });
  if (state.token) { $('#login').hidden = true; $('#signout').hidden = false; if (state.refresh) { header(); keepAlive(60); } show(state.page); }
})();
</script>
</body>
</html>
`;
