// Drives Debian's Chromium through Beacon's dashboard as a first-time user would: the one-time
// setup link, the org page, an invitation, a team, an API token shown once, sign-out, sign-in
// (JavaScript off: the pages work without it). Then, JavaScript on: the public page, an incident's
// page and the dashboard overview follow changes made through the API without a reload.
// Usage: node run.mjs /path/to/beacon   (CHROMIUM overrides /usr/bin/chromium; SCREENSHOTS=dir
// also saves the public page with its Live indicator, light and dark, 1280 and 375 wide)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const bin = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'beacon-browser-'));
const serve = (bind) => spawn(bin, ['serve', '--bind', bind, '--database-url', `sqlite:${join(dir, 'beacon.db')}`], { stdio: ['ignore', 'ignore', 'pipe'] });
let server = serve('127.0.0.1:0');

// The server logs its address, then the one-time setup URL.
const setupUrl = await new Promise((resolve, reject) => {
  let log = '';
  server.stderr.on('data', (chunk) => {
    log += chunk;
    const m = log.match(/open (http:\/\/\S+\/setup\?token=\w+)/);
    if (m) resolve(m[1]);
  });
  server.on('exit', (code) => reject(new Error(`beacon exited (${code}):\n${log}`)));
});
const base = new URL(setupUrl).origin;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
});
let failed = false;
try {
  const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();

  await page.goto(setupUrl);
  await page.getByLabel('Your name').fill('Olga Owner');
  await page.getByLabel('Email').fill('olga@example.com');
  await page.getByLabel('Password').fill('a long password');
  await page.getByLabel('Organization name').fill('Acme Cloud');
  await page.getByLabel('Organization slug').fill('acme');
  await page.getByRole('button', { name: 'Create account and organization' }).click();
  assert.equal(new URL(page.url()).pathname, '/orgs/acme');
  assert.match(await page.locator('.flash').innerText(), /Welcome to Beacon/);

  await page.getByLabel('Organization').getByRole('link', { name: 'Members' }).click();
  await page.getByLabel('Email').fill('ann@example.com');
  await page.getByLabel('Role', { exact: true }).selectOption('editor');
  await page.getByRole('button', { name: 'Send invitation' }).click();
  assert.match(await page.locator('.flash').innerText(), /Invitation sent/);
  assert.ok(await page.getByRole('cell', { name: 'ann@example.com', exact: true }).isVisible());

  await page.getByLabel('Organization').getByRole('link', { name: 'Teams' }).click();
  await page.getByLabel('Name').fill('Platform');
  await page.getByRole('button', { name: 'Create team' }).click();
  assert.ok(await page.getByRole('heading', { name: 'Platform' }).isVisible());

  await page.getByLabel('Organization').getByRole('link', { name: 'API tokens' }).click();
  await page.getByLabel('Name').fill('deploy');
  await page.getByRole('button', { name: 'Create token' }).click();
  const secret = await page.locator('code.secret').innerText();
  assert.match(secret, /^bcn_[a-z0-9]{40}$/);
  const res = await fetch(`${base}/api/v1/orgs/acme`, { headers: { authorization: `Bearer ${secret}` } });
  assert.equal(res.status, 200);

  await page.locator('summary', { hasText: 'Olga Owner' }).click();
  await page.getByRole('button', { name: 'Log out' }).click();
  assert.equal(new URL(page.url()).pathname, '/login');
  await page.getByLabel('Email').fill('olga@example.com');
  await page.getByLabel('Password').fill('a long password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(page.url()).pathname, '/orgs/acme');
  console.log('browser flow passed');

  // Live updates, JavaScript on.
  const api = async (method, path, body) => {
    const r = await fetch(`${base}/api/v1/orgs/acme/${path}`, {
      method, headers: { authorization: `Bearer ${secret}`, 'content-type': 'application/json' }, body: JSON.stringify(body),
    });
    const text = await r.text();
    assert.ok(r.ok, `${method} ${path}: ${r.status} ${text}`);
    return JSON.parse(text);
  };
  const service = (await api('POST', 'services', { name: 'Checkout API' })).id;
  await api('POST', 'services', { name: 'Website' });
  const live = await (await browser.newContext({ javaScriptEnabled: true })).newPage();
  await live.goto(`${base}/status/acme`);
  const indicator = live.locator('[data-live-indicator]');
  await indicator.getByText('Live', { exact: true }).waitFor({ timeout: 10000 });
  assert.equal(await live.title(), 'Acme Cloud Status');
  await live.evaluate(() => { window.notReloaded = true; });
  await api('PATCH', `services/${service}`, { status: 'major_outage' });
  const row = live.locator(`#service-${service} .status`);
  await live.waitForFunction((id) => document.querySelector(`#service-${id} .status`)?.textContent === 'Major outage', service, { timeout: 10000 });
  assert.equal(await row.innerText(), 'Major outage');
  assert.match(await live.locator('[data-live="banner"]').innerText(), /Partial System Outage/);
  await live.waitForFunction(() => document.title === '⚠ Partial System Outage · Acme Cloud Status', null, { timeout: 10000 });
  const incident = (await api('POST', 'incidents', { name: 'Checkout errors', message: 'We are looking into it.', impact: 'major', services: [{ id: service, status: 'major_outage' }] })).id;
  await live.locator('[data-live="incidents"]').getByRole('link', { name: 'Checkout errors' }).waitFor({ timeout: 10000 });
  assert.equal(await live.evaluate(() => window.notReloaded), true, 'patched in place, not reloaded');
  assert.equal(await indicator.innerText(), 'Live');
  // The server restarts: the indicator says the stream is lost, then that it is back, and a change
  // made while it was away shows without a reload.
  const stopped = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGTERM');
  await stopped;
  await indicator.getByText('Reconnecting…', { exact: true }).waitFor({ timeout: 10000 });
  server = serve(new URL(base).host);
  for (let ok = false; !ok;) {
    ok = await fetch(`${base}/readyz`).then((r) => r.ok, () => false);
    if (!ok) await new Promise((r) => setTimeout(r, 100)); // polling for the port, not waiting for the page
  }
  await api('PATCH', `services/${service}`, { status: 'partial_outage' });
  await indicator.getByText('Live', { exact: true }).waitFor({ timeout: 20000 });
  await live.waitForFunction((id) => document.querySelector(`#service-${id} .status`)?.textContent === 'Partial outage', service, { timeout: 10000 });
  assert.equal(await live.evaluate(() => window.notReloaded), true, 'caught up without a reload');
  console.log('live public page passed');

  // 360 px wide (a small phone): long names and long statuses wrap; nothing scrolls sideways.
  const group = (await api('POST', 'groups', { name: 'Communications and Notifications' })).id;
  const sms = (await api('POST', 'services', { name: 'Text messages and one-time codes', group_id: group })).id;
  await api('PATCH', `services/${sms}`, { status: 'degraded_performance' });
  const narrow = await (await browser.newContext({ viewport: { width: 360, height: 800 } })).newPage();
  await narrow.goto(`${base}/status/acme`);
  const widths = await narrow.evaluate(() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]);
  assert.ok(widths[0] <= widths[1], `the page fits 360 px: scroll width ${widths[0]}, viewport ${widths[1]}`);
  await narrow.context().close();
  console.log('narrow public page passed');

  if (process.env.SCREENSHOTS) {
    for (const scheme of ['light', 'dark']) {
      for (const width of [1280, 375]) {
        const shot = await (await browser.newContext({ colorScheme: scheme, viewport: { width, height: 900 } })).newPage();
        await shot.goto(`${base}/status/acme`);
        await shot.locator('[data-live-indicator]').getByText('Live', { exact: true }).waitFor({ timeout: 10000 });
        await shot.screenshot({ path: join(process.env.SCREENSHOTS, `live-${scheme}-${width}.png`) });
        await shot.context().close();
      }
    }
  }

  // The incident's own page follows its timeline.
  await live.goto(`${base}/status/acme/incidents/${incident}`);
  await indicator.getByText('Live', { exact: true }).waitFor({ timeout: 10000 });
  await live.evaluate(() => { window.notReloaded = true; });
  await api('POST', `incidents/${incident}/updates`, { status: 'identified', message: 'A bad deploy; rolling back.' });
  await live.locator('.timeline').getByText('A bad deploy; rolling back.').waitFor({ timeout: 10000 });
  assert.equal(await live.evaluate(() => window.notReloaded), true);
  console.log('live incident page passed');

  // The dashboard overview, signed in (the session cookie opens the API's stream).
  const dash = await (await browser.newContext({ javaScriptEnabled: true })).newPage();
  await dash.goto(`${base}/login`);
  await dash.getByLabel('Email').fill('olga@example.com');
  await dash.getByLabel('Password').fill('a long password');
  await dash.getByRole('button', { name: 'Sign in' }).click();
  assert.equal(new URL(dash.url()).pathname, '/orgs/acme');
  await dash.locator('[data-live-indicator]').getByText('Live', { exact: true }).waitFor({ timeout: 10000 });
  await dash.evaluate(() => { window.notReloaded = true; });
  await api('POST', `incidents/${incident}/updates`, { status: 'resolved', message: 'Rolled back.' });
  await api('PATCH', `services/${service}`, { status: 'degraded_performance' });
  await dash.waitForFunction((id) => document.querySelector(`#svc-${id} .svc-state .status`)?.textContent === 'Degraded performance', service, { timeout: 10000 });
  await dash.locator('[data-live="incidents"]').getByText('Checkout errors').waitFor({ state: 'detached', timeout: 10000 });
  await dash.waitForFunction(() => document.title === '⚠ Degraded performance · Acme Cloud · Beacon', null, { timeout: 10000 });
  assert.equal(await dash.evaluate(() => window.notReloaded), true);
  if (process.env.SCREENSHOTS) await dash.screenshot({ path: join(process.env.SCREENSHOTS, 'live-overview.png') });
  console.log('live dashboard overview passed');
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
