// Opens a service's /docs in Debian's Chromium (headless), waits until the operations render,
// checks that every expected operationId is listed, enters the bearer token through the
// "Authorize" dialog as a user would, and runs "Try it out" on one GET.
// Usage: DOCS_TOKEN=<jwt> node docs.mjs <base-url> <GET path to try, as shown> <operationId>...
import { chromium } from 'playwright-core';

const [base, tryPath, ...operationIds] = process.argv.slice(2);
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-quic',
    '--no-first-run', '--disable-component-update', '--disable-sync'],
});
const fail = async (message) => { console.error(message); await browser.close(); process.exit(1); };
try {
  const page = await browser.newPage();
  const external = [];
  page.on('request', (r) => { if (!r.url().startsWith(base)) external.push(r.url()); });
  await page.goto(`${base}/docs/`);
  await page.waitForSelector('.opblock', { timeout: 30000 });
  const listed = await page.$$eval('.opblock', (blocks) => blocks.map((b) => b.id));
  for (const id of operationIds) {
    if (!listed.some((l) => l.endsWith(`-${id}`))) await fail(`operation ${id} not listed: ${listed.join(', ')}`);
  }
  // Authorize with the token (the spec declares bearerAuth).
  await page.locator('.auth-wrapper button.authorize').click();
  await page.locator('.modal-ux input').first().fill(process.env.DOCS_TOKEN ?? '');
  await page.locator('.modal-ux button.authorize').click();
  await page.locator('.modal-ux button.btn-done').click();
  // "Try it out" on one GET without parameters.
  const block = page.locator('.opblock-get', { has: page.locator(`.opblock-summary-path[data-path="${tryPath}"]`) }).first();
  await block.locator('.opblock-summary').click();
  await block.locator('button.try-out__btn').click();
  await block.locator('button.execute').click();
  const status = await block.locator('.live-responses-table tr.response .response-col_status').first().textContent({ timeout: 30000 });
  if (status.trim() !== '200') await fail(`Try it out on GET ${tryPath} answered ${status}`);
  if (external.length) await fail(`the page reached outside the service: ${external.join(', ')}`);
  console.log(`ok: ${operationIds.length} operations listed, GET ${tryPath} answered 200`);
} finally {
  await browser.close();
}
