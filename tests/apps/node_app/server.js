// TinyLedger: a small Node SaaS backend on the built-in http module, for golive's
// acceptance tests (tests/test_node_app.py). Sessions are a cookie holding an HS256 JWT
// signed with SESSION_SECRET; checkout creates a Stripe Checkout session through the
// stripe SDK (STRIPE_API_BASE points it at a Stripe-compatible server); the webhook
// route verifies Stripe-Signature with stripe.webhooks.constructEvent. The database is
// the deployment's (the test creates it); the app keeps its users in APP_USERS.
//
// Break switches (environment variables, "1" turns a defect on):
//   BREAK_CLIENT_PRICE    checkout charges the price id the client sends
//   BREAK_PASSWORD_HASH   GET /api/account also returns the user's password hash
//   BREAK_FORGED_SESSION  the session cookie's signature and expiry are not checked
'use strict';

const http = require('node:http');
const crypto = require('node:crypto');
const Stripe = require('stripe');
const config = require('./config');

const env = process.env;
const broken = (name) => env[`BREAK_${name}`] === '1';

function stripeClient() {
  const options = { apiVersion: env.STRIPE_API_VERSION || undefined, maxNetworkRetries: 0 };
  if (env.STRIPE_API_BASE) {
    const base = new URL(env.STRIPE_API_BASE);
    Object.assign(options, { host: base.hostname, port: base.port, protocol: base.protocol.replace(':', '') });
  }
  return new Stripe(env.STRIPE_SECRET_KEY || 'sk_test_missing', options);
}
const stripe = stripeClient();

// -- users and passwords --------------------------------------------------------------
function hashPassword(password) {
  const salt = crypto.randomBytes(16).toString('hex');
  const hash = crypto.scryptSync(password, salt, 32).toString('hex');
  return `scrypt$${salt}$${hash}`;
}
function checkPassword(password, stored) {
  const [, salt, hash] = stored.split('$');
  const got = crypto.scryptSync(password, salt, 32);
  return crypto.timingSafeEqual(got, Buffer.from(hash, 'hex'));
}
const users = JSON.parse(env.APP_USERS || '[]').map((u) => ({
  id: String(u.id), email: u.email, admin: Boolean(u.admin), passwordHash: hashPassword(u.password),
}));

// -- the session cookie: base64url(header).base64url(claims).HMAC-SHA256 ----------------
const b64 = (data) => Buffer.from(data).toString('base64url');
function sign(claims) {
  const head = `${b64(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${b64(JSON.stringify(claims))}`;
  const mac = crypto.createHmac('sha256', env.SESSION_SECRET).update(head).digest('base64url');
  return `${head}.${mac}`;
}
function verify(token) {
  const parts = String(token || '').split('.');
  if (parts.length !== 3) return null;
  let header;
  let claims;
  try {
    header = JSON.parse(Buffer.from(parts[0], 'base64url').toString());
    claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString());
  } catch {
    return null;
  }
  if (!broken('FORGED_SESSION')) {
    if (header.alg !== 'HS256') return null;
    const want = crypto.createHmac('sha256', env.SESSION_SECRET).update(`${parts[0]}.${parts[1]}`).digest();
    const got = Buffer.from(parts[2], 'base64url');
    if (got.length !== want.length || !crypto.timingSafeEqual(got, want)) return null;
    if (typeof claims.exp !== 'number' || claims.exp < Date.now() / 1000) return null;
  }
  return users.find((u) => u.id === String(claims.sub)) || null;
}
function sessionUser(req) {
  const cookies = Object.fromEntries(
    (req.headers.cookie || '').split(';').map((c) => c.trim().split('=')).filter((c) => c.length === 2),
  );
  return verify(cookies.tl_session);
}

// -- a per-user limit on checkout ------------------------------------------------------
const PER_MINUTE = Number(env.CHECKOUT_PER_MINUTE || 5);
const hits = new Map();
function limited(key) {
  const now = Date.now();
  const recent = (hits.get(key) || []).filter((t) => now - t < 60000);
  recent.push(now);
  hits.set(key, recent);
  return recent.length > PER_MINUTE;
}

// -- routes ----------------------------------------------------------------------------
function send(res, status, body, headers = {}) {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text), ...headers });
  res.end(text);
}
function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    req.on('data', (c) => {
      size += c.length;
      if (size > 1 << 20) reject(new Error('too large'));
      else chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}
function json(raw) {
  try {
    const value = JSON.parse(raw.toString() || '{}');
    return value && typeof value === 'object' ? value : {};
  } catch {
    return null;
  }
}
const prices = () => JSON.parse(env.BILLING_PRICES || '{}'); // {"pro": {"monthly": "price_..."}}

async function login(req, res) {
  const body = json(await readBody(req));
  const user = body && users.find((u) => u.email === body.email);
  if (!user || typeof body.password !== 'string' || !checkPassword(body.password, user.passwordHash)) {
    return send(res, 401, { error: 'wrong e-mail or password' });
  }
  const token = sign({ sub: user.id, exp: Math.floor(Date.now() / 1000) + 3600 });
  const cookie = `tl_session=${token}; HttpOnly; Path=/; SameSite=Lax; Max-Age=3600`;
  return send(res, 200, { user: { id: user.id, email: user.email } }, { 'Set-Cookie': cookie });
}

function account(req, res, user) {
  const shown = { id: user.id, email: user.email, admin: user.admin };
  if (broken('PASSWORD_HASH')) shown.password_hash = user.passwordHash;
  return send(res, 200, shown);
}

async function checkout(req, res, user) {
  if (limited(user.id)) return send(res, 429, { error: 'too many checkouts' }, { 'Retry-After': '60' });
  const body = json(await readBody(req));
  if (body === null) return send(res, 400, { error: 'body is not JSON' });
  let price = (prices()[body.plan] || {})[body.cycle || 'monthly'];
  if (broken('CLIENT_PRICE') && typeof body.price === 'string') price = body.price;
  if (!price) return send(res, 400, { error: 'unknown plan' });
  const base = env.APP_URL || 'http://localhost:3000';
  try {
    const session = await stripe.checkout.sessions.create({
      mode: 'subscription',
      line_items: [{ price, quantity: 1 }],
      client_reference_id: user.id,
      success_url: `${base}/billing/done?session={CHECKOUT_SESSION_ID}`,
      cancel_url: `${base}/pricing`,
    });
    return send(res, 200, { url: session.url });
  } catch (err) {
    return send(res, 502, { error: `Stripe refused the checkout: ${err.message}` });
  }
}

async function webhook(req, res) {
  const raw = await readBody(req);
  let event;
  try {
    event = stripe.webhooks.constructEvent(raw, req.headers['stripe-signature'] || '', env.STRIPE_WEBHOOK_SECRET || '');
  } catch (err) {
    return send(res, 400, { error: `signature: ${err.message}` });
  }
  if (config.debug) console.log('webhook', event.type, event.id);
  return send(res, 200, { received: true });
}

const document = require('./openapi.json');

const routes = {
  'GET /health': (req, res) => send(res, 200, { ok: true }),
  'GET /openapi.json': (req, res) => send(res, 200, document),
  'POST /auth/login': login,
  'GET /api/account': account,
  'POST /api/billing/subscribe': checkout,
  'POST /hooks/stripe': webhook,
};
const needsUser = new Set(['GET /api/account', 'POST /api/billing/subscribe']);

const server = http.createServer(async (req, res) => {
  const path = new URL(req.url, 'http://app').pathname;
  const key = `${req.method} ${path}`;
  const handler = routes[key];
  if (!handler) {
    const known = Object.keys(routes).some((k) => k.endsWith(` ${path}`));
    return send(res, known ? 405 : 404, { error: known ? 'method not allowed' : 'not found' });
  }
  try {
    if (needsUser.has(key)) {
      const user = sessionUser(req);
      if (!user) return send(res, 401, { error: 'log in first' });
      return await handler(req, res, user);
    }
    return await handler(req, res);
  } catch (err) {
    return send(res, 500, { error: config.debug ? String(err.stack) : 'internal error' });
  }
});

server.listen(Number(env.PORT || 0), '127.0.0.1', () => {
  console.log(`listening on ${server.address().port}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
