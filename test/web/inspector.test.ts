/**
 * The inspector page (web/) in a real browser: headless Chromium (Debian's package) driven by
 * playwright-core, against the tests' own servers on 127.0.0.1 — the page built by Vite and served
 * as static files, the S3 test server (fauxqs) behind a CORS-answering proxy (a stand-in for the
 * bucket's CORS configuration). The page opens the sample database from S3 and from a local file;
 * its table list, rows, query results, plan and header are read from the page and compared with
 * the CLI's output on the same database; a failing open shows the CLI's error line; long work is
 * cancelled with Esc. Screenshots go to test-output/web/ (ignored by git).
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateBucketCommand } from '@aws-sdk/client-s3';
import { chromium, type Browser, type Page } from 'playwright-core';
import { build } from 'vite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { s3Endpoint, testS3Client, uniqueBucketName } from '../support/s3.js';
import { sqlite3 } from '../support/sqlite3.js';
import { cliAsync, type CliOutput } from './support/cli-async.js';
import { startCorsProxy, type CorsProxy } from './support/cors-proxy.js';
import { serveStatic } from './support/static-server.js';

const SAMPLE = 'fixtures/sample.sqlite';
const SHOTS = 'test-output/web';
const CHROMIUM = '/usr/bin/chromium';
/** The network is closed here: flags that keep Chromium from reaching for it. */
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];
const QUERY = 'SELECT c.country, count(*) AS orders, sum(o.amount_cents) AS cents FROM customers c JOIN orders o ON o.customer_id = c.id GROUP BY c.country ORDER BY c.country';

const VIEW_QUERY = 'SELECT * FROM big_spenders LIMIT 50';
/** A database of 23 MiB (bench/bench-db.ts's shape), made by the sqlite3 shell. */
const BIG_ROWS = 92_000;
const BIG_SQL = `PRAGMA page_size=4096;
CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, value REAL, payload BLOB);
CREATE INDEX t_name ON t(name);
WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i+1 FROM seq WHERE i < ${BIG_ROWS})
INSERT INTO t SELECT i, 'name-' || (i * 7919 % ${BIG_ROWS}), i / 3.0, randomblob(200) FROM seq;`;
const BAD_QUERY = 'SELECT nope FROM customers';
const COUNT_QUERY = 'SELECT count(*) AS n FROM orders';

/** Stdout of a CLI run that must succeed. */
function stdout(out: CliOutput): string {
  if (out.status !== 0) throw new Error(`the CLI exited ${out.status}: ${out.stderr}`);
  return out.stdout;
}

/** The JSON Lines the page holds for a grid's rows (what it copies; as `--json` prints them). */
async function gridLines(page: Page, selector: string): Promise<string> {
  const lines = await page.locator(`${selector} tbody tr`).evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset['json'] ?? ''));
  return lines.map((l) => `${l}\n`).join('');
}

async function tableList(page: Page): Promise<string> {
  const lines = await page.locator('#objects button').evaluateAll((bs) => bs.map((b) => (b as HTMLElement).dataset['json'] ?? ''));
  return lines.map((l) => `${l}\n`).join('');
}

/** Header facts as `label  value` lines, for comparison with the CLI's `info`. */
async function facts(page: Page): Promise<Map<string, string>> {
  const pairs = await page.locator('#facts dt').evaluateAll((dts) => dts.map((dt) => [dt.textContent ?? '', dt.nextElementSibling?.textContent ?? '']));
  return new Map(pairs as [string, string][]);
}

function cliFacts(infoText: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of infoText.split('\n')) {
    const m = /^(.+?)\s{2,}(.*)$/.exec(line);
    if (m !== null) out.set(m[1]!, m[2]!);
  }
  return out;
}

async function idle(page: Page): Promise<void> {
  await page.waitForFunction(() => !document.body.classList.contains('working'));
}

describe('the inspector page in Chromium', () => {
  let workDir: string;
  let site: { url: string; close(): Promise<void> };
  let proxy: CorsProxy;
  let browser: Browser;
  let bucket: string;
  let location: string;
  /** The sample as one S3 object, and as a URL (through the CORS proxy for the page). */
  let objectLocation: string;
  let objectUrl: () => string;
  let junk: string;
  /** The CLI's answers, all computed at once in beforeAll. */
  let expected: Record<string, CliOutput>;
  /** Requests the CLI's `tables` and `rows --limit 50` made through the proxy (blocks), and `tables` of the URLs. */
  let cliRequests: { tables: number; rows: number; urlTables: number; bigTables: number };
  let bigUrl: () => string;
  let bigBytes = 0;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    workDir = mkdtempSync(join(tmpdir(), 's3lite-web-'));
    junk = join(workDir, 'junk.sqlite');
    writeFileSync(junk, Buffer.alloc(8192, 7));
    bucket = uniqueBucketName();
    location = `s3://${bucket}/sample`;
    objectLocation = `s3://${bucket}/sample.sqlite`;
    const client = testS3Client();
    try {
      await client.send(new CreateBucketCommand({ Bucket: bucket }));
    } finally {
      client.destroy();
    }
    proxy = await startCorsProxy(s3Endpoint());
    const outDir = join(workDir, 'site');
    const building = build({ configFile: 'web/vite.config.ts', logLevel: 'silent', build: { outDir, emptyOutDir: true } });
    const launching = chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
    stdout(await cliAsync(['import', SAMPLE, location, '--endpoint', s3Endpoint(), '-q']));
    stdout(await cliAsync(['export', SAMPLE, objectLocation, '--endpoint', s3Endpoint(), '-q']));
    const bigPath = join(workDir, 'big.sqlite');
    sqlite3(bigPath, BIG_SQL);
    bigBytes = statSync(bigPath).size;
    stdout(await cliAsync(['export', bigPath, `s3://${bucket}/big.sqlite`, '--endpoint', s3Endpoint(), '-q']));

    // What the CLI's `tables` and `rows` cost through the same proxy (before the page uses it).
    const viaProxy = ['--endpoint', proxy.endpoint];
    const tablesViaProxy = await cliAsync(['tables', location, ...viaProxy, '--json']);
    const afterTables = proxy.log.length;
    const rowsViaProxy = await cliAsync(['rows', location, 'customers', '--limit', '50', ...viaProxy, '--json']);
    const afterRows = proxy.log.length;
    objectUrl = () => `${proxy.endpoint}/${bucket}/sample.sqlite`;
    const urlTables = await cliAsync(['tables', objectUrl(), '--json']);
    const afterUrl = proxy.log.length;
    bigUrl = () => `${proxy.endpoint}/${bucket}/big.sqlite`;
    const bigTables = await cliAsync(['tables', bigUrl(), '--json']);
    cliRequests = { tables: afterTables, rows: afterRows - afterTables, urlTables: afterUrl - afterRows, bigTables: proxy.log.length - afterUrl };
    proxy.log.length = 0;

    const s3 = ['--endpoint', s3Endpoint()];
    const runs: Record<string, Promise<CliOutput>> = {
      s3Rows2: cliAsync(['rows', location, 'customers', '--offset', '50', '--limit', '50', ...s3, '--json']),
      s3Documents: cliAsync(['rows', location, 'documents', '--limit', '50', ...s3, '--json']),
      s3Query: cliAsync(['query', location, QUERY, ...s3, '--json']),
      s3Plan: cliAsync(['plan', location, QUERY, ...s3]),
      s3Info: cliAsync(['info', location, ...s3]),
      s3Count: cliAsync(['query', location, COUNT_QUERY, ...s3, '--json']),
      s3Missing: cliAsync(['tables', `s3://${bucket}/no/such/prefix`, ...s3]),
      objectTables: cliAsync(['tables', objectLocation, ...s3, '--json']),
      objectQuery: cliAsync(['query', objectLocation, QUERY, ...s3, '--json']),
      urlRows: cliAsync(['rows', `${s3Endpoint()}/${bucket}/sample.sqlite`, 'customers', '--limit', '50', '--json']),
      urlMissing: cliAsync(['tables', `${s3Endpoint()}/${bucket}/missing.sqlite`]),
      bigRows: cliAsync(['rows', `${s3Endpoint()}/${bucket}/big.sqlite`, 't', '--offset', '50', '--limit', '50', '--json']),
      fileTables: cliAsync(['tables', SAMPLE, '--json']),
      fileRows: cliAsync(['rows', SAMPLE, 'customers', '--limit', '50', '--json']),
      fileTags: cliAsync(['rows', SAMPLE, 'tags', '--limit', '50', '--json']),
      fileView: cliAsync(['query', SAMPLE, VIEW_QUERY, '--json']),
      fileQuery: cliAsync(['query', SAMPLE, QUERY, '--json']),
      fileJunk: cliAsync(['tables', junk]),
      fileBadQuery: cliAsync(['query', SAMPLE, BAD_QUERY]),
    };
    const names = Object.keys(runs);
    const outputs = await Promise.all(Object.values(runs));
    expected = { s3Tables: tablesViaProxy, s3Rows: rowsViaProxy, urlTables, bigTables, ...Object.fromEntries(names.map((n, i) => [n, outputs[i]!])) };
    await building;
    browser = await launching;
    site = await serveStatic(outDir);
    // Some 20 CLI runs (≈1 s of CPU each through tsx), the build and Chromium's start: ~15–20 s
    // on two idle cores; the margin is for a machine that is shared.
  }, 600_000);

  afterAll(async () => {
    await browser?.close();
    await proxy?.close();
    await site?.close();
    rmSync(workDir, { recursive: true, force: true });
  });

  const out = (name: string): string => stdout(expected[name]!);
  const err = (name: string): string => {
    const run = expected[name]!;
    expect(run.status).toBe(1);
    return run.stderr.trim();
  };

  async function newPage(): Promise<Page> {
    const context = await browser.newContext({ viewport: { width: 1360, height: 860 } });
    const page = await context.newPage();
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(site.url);
    return page;
  }

  async function openS3(page: Page, prefix: string): Promise<void> {
    await page.fill('input[name=endpoint]', proxy.endpoint);
    await page.fill('input[name=region]', 'us-east-1');
    await page.fill('input[name=bucket]', bucket);
    await page.fill('input[name=key]', prefix);
    await page.fill('input[name=accessKeyId]', 'test');
    await page.fill('input[name=secretAccessKey]', 'test');
    await page.click('#panel-s3 button[type=submit]');
  }

  it('opens the sample database from S3: tables, rows, a query and its plan, the header — as the CLI shows them', async () => {
    const page = await newPage();
    await page.screenshot({ path: `${SHOTS}/01-open-form.png` });
    proxy.log.length = 0;
    await openS3(page, 'sample');
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    const opening = proxy.log.filter((r) => r.method !== 'OPTIONS').length;
    const preflights = proxy.log.filter((r) => r.method === 'OPTIONS').length;
    await page.screenshot({ path: `${SHOTS}/02-s3-table-rows.png` });

    expect(await tableList(page)).toBe(out('s3Tables'));
    // The first table is shown: its columns and its first page of 50 rows.
    expect(await page.locator('#object-head h2').textContent()).toBe('customers');
    expect(await gridLines(page, '#rows')).toBe(out('s3Rows'));
    expect(await page.locator('#columns li').allTextContents()).toEqual(
      sqlite3(SAMPLE, "SELECT name FROM pragma_table_info('customers');").trim().split('\n'),
    );

    await page.keyboard.press('PageDown');
    await page.waitForSelector('#page-info:text("rows 51–100")');
    expect(await gridLines(page, '#rows')).toBe(out('s3Rows2'));

    // A table with BLOBs and NULLs.
    await page.click('#objects button[data-name=documents]');
    await page.waitForSelector('#object-head h2:text("documents")');
    await idle(page);
    expect(await gridLines(page, '#rows')).toBe(out('s3Documents'));

    // A query, and its plan.
    await page.keyboard.press('Alt+2');
    await page.fill('#sql', QUERY);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#query-result table.grid');
    await page.screenshot({ path: `${SHOTS}/03-s3-query.png` });
    expect(await gridLines(page, '#query-result')).toBe(out('s3Query'));
    expect(`${await page.locator('#plan').textContent()}\n`).toBe(out('s3Plan'));

    // The header: every fact the page shows is the CLI's `info`, label for label.
    await page.keyboard.press('Alt+3');
    await page.screenshot({ path: `${SHOTS}/04-s3-header.png` });
    const shown = await facts(page);
    const info = cliFacts(out('s3Info'));
    expect(shown.size).toBeGreaterThan(10);
    for (const [label, value] of shown) expect([label, value]).toEqual([label, info.get(label)]);

    console.log(
      `web: open + table list + first page of rows in the page: ${opening} requests (+ ${preflights} CORS preflights); ` +
        `CLI tables: ${cliRequests.tables}, CLI rows --limit 50: ${cliRequests.rows}`,
    );
    expect(opening).toBeLessThanOrEqual(cliRequests.tables + cliRequests.rows);
    await page.context().close();
  });

  it('opens a local file picked or dropped in the page, read in place, and shows what the CLI shows', async () => {
    const page = await newPage();
    await page.click('#tab-file');
    await page.setInputFiles('#file-input', SAMPLE);
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    expect(await tableList(page)).toBe(out('fileTables'));
    expect(await gridLines(page, '#rows')).toBe(out('fileRows'));
    // The file was read a slice at a time, not whole.
    expect(await page.locator('#status-text').textContent()).toMatch(/^\d+ reads, [\d.]+ KiB of 560\.0 KiB read$/);
    // A WITHOUT ROWID table, and a view (its rows through the query engine).
    await page.click('#objects button[data-name=tags]');
    await page.waitForSelector('#object-head h2:text("tags")');
    await idle(page);
    expect(await gridLines(page, '#rows')).toBe(out('fileTags'));
    await page.click('#objects button[data-name=big_spenders]');
    await page.waitForSelector('#object-head h2:text("big_spenders")');
    await idle(page);
    await page.screenshot({ path: `${SHOTS}/05-file-view.png` });
    expect(await gridLines(page, '#rows')).toBe(out('fileView'));
    await page.keyboard.press('Alt+2');
    await page.fill('#sql', QUERY);
    await page.click('#query-form button[type=submit]');
    await page.waitForSelector('#query-result table.grid');
    expect(await gridLines(page, '#query-result')).toBe(out('fileQuery'));

    // Dropped on the page instead of picked: the same file opens the same way.
    await page.click('#reopen');
    const base64 = readFileSync(SAMPLE).toString('base64');
    const drop = await page.evaluateHandle((b64) => {
      const data = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
      const transfer = new DataTransfer();
      transfer.items.add(new File([data], 'dropped.sqlite'));
      return transfer;
    }, base64);
    await page.dispatchEvent('body', 'dragover', { dataTransfer: drop });
    await page.dispatchEvent('body', 'drop', { dataTransfer: drop });
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    expect(await page.locator('#where').textContent()).toBe('dropped.sqlite');
    expect(await tableList(page)).toBe(out('fileTables'));
    await page.context().close();
  });

  it('opens the sample as one S3 object and at an http:// URL, read by ranges, as the CLI does', async () => {
    const page = await newPage();
    await openS3(page, 'sample.sqlite');
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    expect(await page.locator('#where').textContent()).toBe(objectLocation);
    expect(await tableList(page)).toBe(out('objectTables'));
    await page.keyboard.press('Alt+2');
    await page.fill('#sql', QUERY);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#query-result table.grid');
    expect(await gridLines(page, '#query-result')).toBe(out('objectQuery'));

    await page.click('#reopen');
    await page.click('#tab-url');
    proxy.log.length = 0;
    await page.fill('input[name=url]', objectUrl());
    await page.click('#panel-url button[type=submit]');
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    const opening = proxy.log.filter((r) => r.method !== 'OPTIONS').length;
    const preflights = proxy.log.filter((r) => r.method === 'OPTIONS').length;
    await page.screenshot({ path: `${SHOTS}/08-url-table-rows.png` });
    expect(await tableList(page)).toBe(out('urlTables'));
    expect(await gridLines(page, '#rows')).toBe(out('urlRows'));
    console.log(`web: URL open + table list + first page of rows in the page: ${opening} requests (+ ${preflights} CORS preflights); CLI tables of the URL: ${cliRequests.urlTables}`);
    expect(opening).toBeLessThanOrEqual(cliRequests.urlTables + 2);

    await page.click('#reopen');
    await page.click('#tab-url');
    await page.fill('input[name=url]', `${proxy.endpoint}/${bucket}/missing.sqlite`);
    await page.click('#panel-url button[type=submit]');
    await page.waitForSelector('#error:not([hidden])');
    expect((await page.locator('#error').textContent())?.replace(proxy.endpoint, 'ENDPOINT')).toBe(err('urlMissing').replace(s3Endpoint(), 'ENDPOINT'));
    await page.context().close();
  });

  it(`opens a ${'23'} MiB database at a URL: the table list for no more requests than the CLI's tables, and rows as the CLI shows them`, async () => {
    expect(bigBytes).toBeGreaterThan(23 * 2 ** 20);
    const page = await newPage();
    await page.click('#tab-url');
    proxy.log.length = 0;
    await page.fill('input[name=url]', bigUrl());
    await page.click('#panel-url button[type=submit]');
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    // The page's own count at the moment the list was complete (the first page of rows comes after).
    const listing = Number(await page.locator('#objects').getAttribute('data-requests'));
    const total = proxy.log.filter((r) => r.method !== 'OPTIONS').length;
    const preflights = proxy.log.filter((r) => r.method === 'OPTIONS').length;
    expect(await tableList(page)).toBe(out('bigTables'));
    await page.keyboard.press('PageDown');
    await page.waitForSelector('#page-info:text("rows 51–100")');
    expect(await gridLines(page, '#rows')).toBe(out('bigRows'));
    await page.screenshot({ path: `${SHOTS}/09-url-23mb.png` });
    console.log(
      `web: ${(bigBytes / 2 ** 20).toFixed(1)} MiB at a URL: open + table list in the page ${listing} requests, ` +
        `with the first page of rows ${total} (+ ${preflights} CORS preflights); CLI tables: ${cliRequests.bigTables}`,
    );
    expect(listing).toBeLessThanOrEqual(cliRequests.bigTables);
    await page.context().close();
  });

  it('shows the error of a failing open, a bad query and a file that is not a database as the CLI prints them', async () => {
    const page = await newPage();
    await openS3(page, 'no/such/prefix');
    await page.waitForSelector('#error:not([hidden])');
    await page.screenshot({ path: `${SHOTS}/06-open-error.png` });
    expect(await page.locator('#error').textContent()).toBe(err('s3Missing'));

    await page.click('#tab-file');
    await page.setInputFiles('#file-input', junk);
    await page.waitForSelector('#error:text("SQLITE_NOTADB")');
    expect(await page.locator('#error').textContent()).toBe(err('fileJunk'));

    await page.setInputFiles('#file-input', SAMPLE);
    await page.waitForSelector('#rows table.grid');
    await page.keyboard.press('Alt+2');
    await page.fill('#sql', BAD_QUERY);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#error:not([hidden])');
    expect(await page.locator('#error').textContent()).toBe(err('fileBadQuery'));
    await page.context().close();
  });

  it('shows progress of long work and cancels it with Esc, leaving the database usable', async () => {
    const page = await newPage();
    await openS3(page, 'sample');
    await page.waitForSelector('#rows table.grid');
    await idle(page);
    await page.keyboard.press('Alt+2');
    // Every S3 answer now takes 150 ms: a scan of the orders table is long work.
    proxy.delayMs = 150;
    try {
      await page.fill('#sql', 'SELECT o.id, o.status, length(d.body) FROM orders o LEFT JOIN documents d ON d.id = o.id ORDER BY o.status, o.id');
      await page.keyboard.press('Control+Enter');
      await page.waitForSelector('#cancel:not([hidden])');
      await page.waitForFunction(() => /requests/.test(document.getElementById('status-text')?.textContent ?? ''));
      await page.screenshot({ path: `${SHOTS}/07-progress.png` });
      await page.keyboard.press('Escape');
      await page.waitForSelector('#error:not([hidden])');
      expect(await page.locator('#error').textContent()).toBe('SQLITE_INTERRUPT: interrupted');
      expect(await page.locator('#cancel').isHidden()).toBe(true);
    } finally {
      proxy.delayMs = 0;
    }
    await page.fill('#sql', COUNT_QUERY);
    await page.keyboard.press('Control+Enter');
    await page.waitForSelector('#query-result table.grid');
    expect(await gridLines(page, '#query-result')).toBe(out('s3Count'));
    await page.context().close();
  });
});
