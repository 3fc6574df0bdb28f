// Drives Debian's Chromium through Beacon's dashboard as a first-time user would: the one-time
// setup link, the org page, an invitation, a team, an API token shown once, sign-out, sign-in.
// Usage: node run.mjs /path/to/beacon   (CHROMIUM overrides /usr/bin/chromium)
import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const bin = process.argv[2];
const dir = mkdtempSync(join(tmpdir(), 'beacon-browser-'));
const server = spawn(bin, ['serve', '--bind', '127.0.0.1:0', '--database-url', `sqlite:${join(dir, 'beacon.db')}`], { stdio: ['ignore', 'ignore', 'pipe'] });

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
} catch (e) {
  failed = true;
  console.error(e);
} finally {
  await browser.close();
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
