import * as fs from 'node:fs';
import * as http from 'node:http';
import * as path from 'node:path';
import { listen } from './engines.ts';

/** The demo account `npm start` keeps for the demo shop (no secret: the browser agent needs only the public key). */
export interface DemoAccount {
  accountId: string;
  applicationId: string;
  browserKey: string;
  origin: string;
}

export interface DemoShop {
  url: string;
  account: DemoAccount;
  close(): Promise<void>;
}

/** The shopper the demo page identifies when "Sign in" is clicked: find them in the console's Users tab. */
export const DEMO_USER = 'shopper-42';

const escapeHtml = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** A small shop that loads the browser agent with the one documented tag (docs/browser-agent.md). */
export function demoPage(apiBase: string, browserKey: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Lethe demo shop</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<script>window.lethe = window.lethe || [];</script>
<script src="${escapeHtml(apiBase)}/agent/v1.js" data-key="${escapeHtml(browserKey)}" data-allow-params="page" async></script>
<style>body{font:16px system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem}
button{margin:.25rem;padding:.5rem 1rem}#status{color:#555}</style></head>
<body>
<h1>Lethe demo shop</h1>
<p>Every click, page change, call and error below is measured by Lethe's browser agent and sent to the local
Lethe. Sign in as <b>${DEMO_USER}</b>, click around, then search that user in the console's Users tab.</p>
<p><button id="signin" data-lethe-label="Sign in">Sign in as ${DEMO_USER}</button>
<button id="private" data-lethe-label="Private mode">Do not track me</button></p>
<h2>Products</h2>
<p><button class="add">Add espresso cups to cart</button> <button class="add">Add coffee beans to cart</button></p>
<p><a href="#" id="next">Next page of products</a></p>
<h2>Cart</h2>
<p><button id="checkout">Checkout</button> <button id="slow">Check delivery times</button>
<button id="broken">Apply voucher</button> <button id="stock">Check stock</button></p>
<p id="status" role="status">Ready.</p>
<script>
const status = (t) => (document.getElementById('status').textContent = t);
const agent = (name, ...args) => (Array.isArray(window.lethe) ? window.lethe.push([name, ...args]) : window.lethe[name](...args));
document.getElementById('signin').onclick = () => { agent('identify', '${DEMO_USER}'); status('Signed in as ${DEMO_USER}.'); };
document.getElementById('private').onclick = () => { agent('doNotTrack'); status('Do-not-track: later events carry no identity.'); };
for (const b of document.querySelectorAll('.add')) b.onclick = () => status(b.textContent.replace('Add ', 'Added ').replace(' to cart', '.'));
let page = 1;
document.getElementById('next').onclick = (e) => { e.preventDefault(); page++; history.pushState({}, '', '/products?page=' + page + '&session=abc123'); status('Page ' + page + '.'); };
document.getElementById('checkout').onclick = async () => { const r = await fetch('/api/checkout', { method: 'POST' }); status('Checkout answered ' + r.status + '.'); };
document.getElementById('slow').onclick = async () => { const r = await fetch('/api/delivery?postcode=D02X285'); status('Delivery answered ' + r.status + '.'); };
document.getElementById('stock').onclick = () => { const x = new XMLHttpRequest(); x.open('GET', '/api/stock?sku=cups'); x.onload = () => status('Stock answered ' + x.status + '.'); x.send(); };
document.getElementById('broken').onclick = () => { status('Voucher failed.'); throw new Error('voucher service unavailable'); };
</script>
</body></html>`;
}

/** The demo shop's own back end: a checkout that fails (500) and a slow delivery estimate. */
function shopServer(html: () => string): http.Server {
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://demo');
    if (url.pathname === '/api/checkout') {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{"error":"payment provider down"}');
    } else if (url.pathname === '/api/stock') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"inStock":true}');
    } else if (url.pathname === '/api/delivery') {
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"days":2}'), 1_200);
    } else if (url.pathname === '/' || url.pathname === '/products') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(html());
    } else {
      res.writeHead(404).end();
    }
  });
}

async function call(apiBase: string, token: string, method: string, route: string, body?: unknown) {
  const res = await fetch(`${apiBase}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, body: (await res.json().catch(() => undefined)) as any };
}

/**
 * The demo account, kept in `<data>/demo.json`: reused while it exists and allows the shop's origin, else created
 * through the management API with the operator's local token, as `npx lethe accounts create` would.
 */
async function demoAccount(apiBase: string, dataDir: string, origin: string): Promise<DemoAccount> {
  const file = path.join(dataDir, 'demo.json');
  const token = fs.readFileSync(path.join(dataDir, 'auth', 'admin.token'), 'utf8').trim();
  if (fs.existsSync(file)) {
    const saved = JSON.parse(fs.readFileSync(file, 'utf8')) as DemoAccount;
    const found = await call(apiBase, token, 'GET', `/v1/accounts/${saved.accountId}`);
    if (saved.origin === origin && found.status === 200 && found.body.status === 'active') return saved;
  }
  const created = await call(apiBase, token, 'POST', '/v1/accounts', {
    name: 'Demo shop',
    creatorEmail: 'owner@demo-shop.test',
    adminEmail: 'dpo@demo-shop.test',
    allowedOrigins: [origin],
  });
  if (created.status !== 201) throw new Error(`demo account: ${created.status} ${JSON.stringify(created.body)}`);
  const account: DemoAccount = {
    accountId: created.body.accountId,
    applicationId: created.body.applicationId,
    browserKey: created.body.browserKey,
    origin,
  };
  fs.writeFileSync(file, JSON.stringify(account, null, 2), { mode: 0o600 });
  return account;
}

/** Starts the demo shop on its own origin (as a customer's site would be) with the demo account behind it. */
export async function startDemoShop(opts: {
  apiBase: string;
  dataDir: string;
  port: number;
  host?: string;
}): Promise<DemoShop> {
  const host = opts.host ?? '127.0.0.1';
  let html = '';
  const server = shopServer(() => html);
  const port = await listen(server, opts.port, host, 'demo shop');
  // `localhost`, not the loopback address: an IP address in a URL is personal data, and the scrubber would mask it
  const url = `http://${host === '127.0.0.1' ? 'localhost' : host}:${port}`;
  try {
    const account = await demoAccount(opts.apiBase, opts.dataDir, url);
    html = demoPage(opts.apiBase, account.browserKey);
    const close = () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      });
    return { url, account, close };
  } catch (e) {
    server.close();
    throw e;
  }
}
