/**
 * The inspector page: open a database (S3, a local file), then browse its tables a page of rows at
 * a time, read its header, and run queries with their plans — all through s3lite's public API,
 * in the page. One piece of work runs at a time; Esc or Cancel stops it (work.ts).
 */
import type { SchemaRow, TableSummary } from '../../src/index.js';
import { $, $as, copyText, h, tabs } from './dom.js';
import { headerFacts } from './facts.js';
import { gridJsonLines, renderGrid, type GridRow } from './grid.js';
import { installFetchWrapper, resetNet } from './net.js';
import { openFile, openS3, openUrl, remoteStats, s3Location, type OpenedDatabase, type S3Form } from './sources.js';
import { classOf, describeError, drawPlan } from './values.js';
import { cancelWork, guard, runWork, type Work } from './work.js';

/** Rows a query shows at most; the rest are not fetched. */
const MAX_QUERY_ROWS = 1000;

let opened: OpenedDatabase | undefined;
let summaries: TableSummary[] = [];
/** Requests (file reads) the open and the table list with its row counts cost. */
let listCost = 0;
let schemaRows: SchemaRow[] = [];
let selected: TableSummary | undefined;
let offset = 0;
/**
 * For rowid tables, the rowid of the last row before each page start seen (offset → rowid): the
 * next page is then a seek, `WHERE rowid > ? ORDER BY rowid LIMIT n`, not a walk from the start.
 */
let rowidBefore = new Map<number, number | bigint>();
let pageSize = 50;
/** The status line's source of figures while work runs (requests, bytes). */
let stats: (() => string) | undefined;

// ── Status, progress, errors ────────────────────────────────────────────────────────────

let ticker: ReturnType<typeof setInterval> | undefined;
let progressNote = '';

function setWork(work: Work | undefined): void {
  $('busy').hidden = work === undefined;
  $('cancel').hidden = work === undefined;
  document.body.classList.toggle('working', work !== undefined);
  if (ticker !== undefined) clearInterval(ticker);
  ticker = undefined;
  progressNote = '';
  if (work !== undefined) {
    const tick = (): void => {
      $('status-text').textContent = `${work.label}…${progressNote === '' ? '' : ` ${progressNote}`}${stats === undefined ? '' : ` · ${stats()}`}`;
    };
    tick();
    ticker = setInterval(tick, 120);
  } else {
    $('status-text').textContent = stats?.() ?? '';
  }
}

function showError(err: unknown): void {
  const box = $('error');
  box.textContent = describeError(err);
  box.hidden = false;
}

function clearError(): void {
  $('error').hidden = true;
  $('error').textContent = '';
}

/** Runs work with the page's progress and error handling; resolves undefined when it failed. */
async function attempt<T>(label: string, fn: (work: Work) => Promise<T>): Promise<T | undefined> {
  clearError();
  try {
    return await runWork(label, setWork, fn);
  } catch (err) {
    showError(err);
    return undefined;
  }
}

// ── Opening ─────────────────────────────────────────────────────────────────────────────

async function closeCurrent(): Promise<void> {
  const o = opened;
  opened = undefined;
  stats = undefined;
  summaries = [];
  schemaRows = [];
  selected = undefined;
  if (o !== undefined) await o.close().catch(() => {});
}

async function openWith(label: string, open: (watch: (s: () => string) => void) => Promise<OpenedDatabase>): Promise<void> {
  await closeCurrent();
  resetNet();
  let candidate: OpenedDatabase | undefined;
  const ok = await attempt(`Opening ${label}`, async () => {
    candidate = await open((s) => (stats = s));
    summaries = await candidate.db.tables();
    schemaRows = await candidate.db.schema();
    listCost = candidate.requests();
    return true;
  });
  if (ok !== true || candidate === undefined) {
    await candidate?.close().catch(() => {});
    stats = undefined;
    return;
  }
  opened = candidate;
  showDatabase(candidate);
}

function s3FormValues(form: HTMLFormElement): S3Form {
  const data = new FormData(form);
  const text = (name: string): string => String(data.get(name) ?? '');
  return {
    endpoint: text('endpoint'),
    region: text('region'),
    bucket: text('bucket'),
    key: text('key'),
    accessKeyId: text('accessKeyId'),
    secretAccessKey: text('secretAccessKey'),
    sessionToken: text('sessionToken'),
    pathStyle: data.get('pathStyle') !== null,
  };
}

function openLocalFile(file: File): void {
  void openWith(file.name, (watch) => openFile(file, guard, watch));
}

// ── The database view ───────────────────────────────────────────────────────────────────

const count = (n: number | null): string => (n === null ? '—' : n.toLocaleString('en-US'));

function summaryJson(t: TableSummary): string {
  // As `s3lite tables --json` prints each line: type, name, tbl_name, rootpage, rows.
  return JSON.stringify([t.type, t.name, t.tblName, t.rootPage, t.rowCount]);
}

function showDatabase(o: OpenedDatabase): void {
  $('open-view').hidden = true;
  $('db-view').hidden = false;
  $('reopen').hidden = false;
  $('where').textContent = o.label;
  document.title = `${o.label} — s3lite inspector`;

  const list = $('objects');
  list.replaceChildren();
  // What opening and counting every table cost (`s3lite tables` does the same work).
  list.dataset['requests'] = String(listCost);
  $('list-cost').textContent = `opened and counted with ${count(listCost)} ${o.fileBytes === undefined ? 'request' : 'read'}${listCost === 1 ? '' : 's'}`;
  for (const t of summaries) {
    const button = h(
      'button',
      { type: 'button', 'data-name': t.name, 'data-type': t.type, 'data-json': summaryJson(t), title: `${t.type} ${t.name}` },
      h('span', { class: 'obj-name' }, t.name),
      h('span', { class: `obj-type t-${t.type.replace(' ', '-')}` }, t.type),
      h('span', { class: 'obj-rows' }, t.rowCount === null ? '' : count(t.rowCount)),
    );
    button.addEventListener('click', () => void selectObject(t));
    list.append(h('li', {}, button));
  }

  const facts = $('facts');
  facts.replaceChildren();
  for (const [label, value] of headerFacts(o.label, o.db.header, o.fileBytes)) facts.append(h('dt', {}, label), h('dd', {}, value));

  selectView(0);
  const first = summaries.find((t) => t.type === 'table') ?? summaries[0];
  if (first !== undefined) void selectObject(first);
  else $('object-head').replaceChildren(h('p', { class: 'empty' }, 'This database has no tables yet.'));
}

function quoteId(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

async function selectObject(t: TableSummary): Promise<void> {
  selected = t;
  offset = 0;
  rowidBefore = new Map();
  for (const b of $('objects').querySelectorAll('button')) b.setAttribute('aria-current', String(b.dataset['name'] === t.name));
  selectView(0);
  const sql = schemaRows.find((r) => r.name === t.name)?.sql ?? '';
  const meta = [t.type, t.rowCount === null ? undefined : `${count(t.rowCount)} ${t.type === 'index' ? 'entries' : 'rows'}`, t.rootPage > 0 ? `root page ${t.rootPage}` : undefined, t.type === 'index' ? `on ${t.tblName}` : undefined];
  $('object-head').replaceChildren(h('h2', {}, t.name), h('p', { class: 'meta' }, meta.filter((m) => m !== undefined).join(' · ')));
  $('create-sql').textContent = sql === '' ? '(no CREATE statement: an automatic index)' : `${sql};`;
  $('columns').replaceChildren();
  $('rows').replaceChildren();
  $('page-info').textContent = '';
  const browsable = t.type === 'table' || t.type === 'view';
  for (const id of ['prev', 'next', 'page-size', 'copy-rows']) ($(id) as HTMLButtonElement).disabled = !browsable;
  if (!browsable) {
    $('rows').replaceChildren(h('p', { class: 'empty' }, t.type === 'index' ? `An index of ${t.tblName}: browse the table, or query it.` : `A ${t.type}: s3lite cannot read its rows.`));
    return;
  }
  const db = opened?.db;
  if (db === undefined) return;
  const columns = await attempt(`Reading the columns of ${t.name}`, async () =>
    t.type === 'view' ? (await db.prepare(`SELECT * FROM ${quoteId(t.name)}`)).columns() : db.columns(t.name),
  );
  if (columns === undefined || selected !== t) return;
  $('columns').replaceChildren(...columns.map((c) => h('li', {}, c)));
  await loadRows(columns);
}

async function loadRows(columns?: readonly string[]): Promise<void> {
  const t = selected;
  const db = opened?.db;
  if (t === undefined || db === undefined) return;
  const cols = columns ?? [...$('columns').querySelectorAll('li')].map((li) => li.textContent ?? '');
  const from = offset;
  const rows = await attempt(`Reading rows ${from + 1}–${from + pageSize} of ${t.name}`, async (work) => {
    const out: GridRow[] = [];
    if (t.type === 'view') {
      // One more than a page, to know whether there is a next one.
      const stmt = await db.prepare(`SELECT * FROM ${quoteId(t.name)} LIMIT ${pageSize + 1} OFFSET ${from}`);
      for await (const row of stmt.typedIterate()) {
        work.check();
        out.push({ values: row.values, classes: row.values.map(classOf) });
      }
    } else {
      const after = rowidBefore.get(from);
      // A name for the rowid that no column of the table takes.
      const rowid = ['rowid', '_rowid_', 'oid'].find((n) => !cols.some((c) => c.toLowerCase() === n));
      let last: number | bigint | undefined;
      if (after !== undefined && rowid !== undefined) {
        const stmt = await db.prepare(`SELECT ${rowid}, * FROM ${quoteId(t.name)} WHERE ${rowid} > ? ORDER BY ${rowid} LIMIT ${pageSize}`);
        for await (const row of stmt.typedIterate([after])) {
          work.check();
          const values = row.values.slice(1);
          out.push({ values, classes: values.map(classOf) });
          last = row.values[0] as bigint;
        }
      } else {
        // Rows before the page are skipped, not decoded; rows after it are never read.
        for await (const row of db.typedRows(t.name, { offset: from, limit: pageSize })) {
          work.check();
          out.push({ values: row.values, classes: row.classes });
          last = row.rowid;
        }
      }
      if (last !== undefined) rowidBefore.set(from + out.length, last);
    }
    return out;
  });
  if (rows === undefined || selected !== t) return;
  const more = t.type === 'view' ? rows.length > pageSize : from + rows.length < (t.rowCount ?? 0);
  const shown = rows.slice(0, pageSize);
  $('rows').replaceChildren(shown.length === 0 ? h('p', { class: 'empty' }, from === 0 ? 'No rows.' : 'No more rows.') : renderGrid(cols, shown, from + 1));
  $('page-info').textContent =
    shown.length === 0 ? '' : `rows ${count(from + 1)}–${count(from + shown.length)}${t.rowCount === null ? '' : ` of ${count(t.rowCount)}`}`;
  $as('prev', HTMLButtonElement).disabled = from === 0;
  $as('next', HTMLButtonElement).disabled = !more;
}

function page(direction: 1 | -1): void {
  if (selected === undefined) return;
  const button = $as(direction > 0 ? 'next' : 'prev', HTMLButtonElement);
  if (button.disabled) return;
  offset = Math.max(0, offset + direction * pageSize);
  void loadRows();
}

// ── Queries ─────────────────────────────────────────────────────────────────────────────

async function runQuery(sql: string): Promise<void> {
  const db = opened?.db;
  if (db === undefined || sql.trim() === '') return;
  const started = performance.now();
  $('query-info').textContent = '';
  const result = await attempt('Running the query', async (work) => {
    const stmt = await db.prepare(sql);
    const rows: GridRow[] = [];
    let more = false;
    for await (const row of stmt.typedIterate()) {
      work.check();
      if (rows.length === MAX_QUERY_ROWS) {
        more = true;
        break;
      }
      rows.push({ values: row.values, classes: row.values.map(classOf) });
      if (rows.length % 100 === 0) progressNote = `${count(rows.length)} rows`;
    }
    return { columns: stmt.columns(), plan: stmt.plan(), rows, more };
  });
  if (result === undefined) {
    $('query-result').replaceChildren();
    $('plan').hidden = true;
    return;
  }
  const ms = performance.now() - started;
  $('query-result').replaceChildren(result.rows.length === 0 ? h('p', { class: 'empty' }, 'No rows.') : renderGrid(result.columns, result.rows));
  $('query-info').textContent = `${count(result.rows.length)} row${result.rows.length === 1 ? '' : 's'}${result.more ? ` shown (the first ${count(MAX_QUERY_ROWS)}; add a LIMIT to see others)` : ''} · ${ms.toFixed(0)} ms`;
  const plan = $('plan');
  plan.textContent = drawPlan(result.plan);
  plan.hidden = false;
}

// ── Wiring ──────────────────────────────────────────────────────────────────────────────

const selectView = tabs($('db-view').querySelector('.view-tabs') as HTMLElement);
tabs($('open-view').querySelector('.source-tabs') as HTMLElement, (panel) => {
  if (panel === 'panel-file') $('file-input').focus();
});

installFetchWrapper(guard);

$as('panel-s3', HTMLFormElement).addEventListener('submit', (e) => {
  e.preventDefault();
  const form = s3FormValues(e.currentTarget as HTMLFormElement);
  void openWith(s3Location(form), (watch) => {
    watch(remoteStats);
    return openS3(form);
  });
});
$as('panel-url', HTMLFormElement).addEventListener('submit', (e) => {
  e.preventDefault();
  const url = String(new FormData(e.currentTarget as HTMLFormElement).get('url') ?? '').trim();
  if (url === '') return;
  void openWith(url.replace(/\?.*$/, '?…'), (watch) => {
    watch(remoteStats);
    return openUrl(url);
  });
});
$as('file-input', HTMLInputElement).addEventListener('change', (e) => {
  const file = (e.currentTarget as HTMLInputElement).files?.[0];
  if (file !== undefined) openLocalFile(file);
});

// Drop a file anywhere on the page.
document.addEventListener('dragover', (e) => {
  if (e.dataTransfer?.types.includes('Files') !== true) return;
  e.preventDefault();
  document.body.classList.add('dragging');
});
document.addEventListener('dragleave', (e) => {
  if (e.relatedTarget === null) document.body.classList.remove('dragging');
});
document.addEventListener('drop', (e) => {
  document.body.classList.remove('dragging');
  const file = e.dataTransfer?.files[0];
  if (file === undefined) return;
  e.preventDefault();
  openLocalFile(file);
});

$('cancel').addEventListener('click', () => cancelWork());
$('reopen').addEventListener('click', () => {
  cancelWork();
  void closeCurrent().then(() => {
    $('db-view').hidden = true;
    $('reopen').hidden = true;
    $('open-view').hidden = false;
    $('where').textContent = '';
    $('status-text').textContent = '';
    document.title = 's3lite inspector';
    clearError();
  });
});
$('prev').addEventListener('click', () => page(-1));
$('next').addEventListener('click', () => page(1));
$as('page-size', HTMLSelectElement).addEventListener('change', (e) => {
  pageSize = Number((e.currentTarget as HTMLSelectElement).value);
  offset = 0;
  rowidBefore = new Map();
  void loadRows();
});
$('copy-rows').addEventListener('click', () => void copyText(gridJsonLines($('rows'))));
$('copy-query').addEventListener('click', () => void copyText(gridJsonLines($('query-result'))));
$as('query-form', HTMLFormElement).addEventListener('submit', (e) => {
  e.preventDefault();
  void runQuery($as('sql', HTMLTextAreaElement).value);
});
$('sql').addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    e.preventDefault();
    void runQuery($as('sql', HTMLTextAreaElement).value);
  }
});

// The object list: ↑/↓ move between entries.
$('objects').addEventListener('keydown', (e) => {
  if (e.key !== 'ArrowDown' && e.key !== 'ArrowUp') return;
  const buttons = [...$('objects').querySelectorAll('button')];
  const i = buttons.indexOf(document.activeElement as HTMLButtonElement);
  const next = buttons[Math.max(0, Math.min(buttons.length - 1, i + (e.key === 'ArrowDown' ? 1 : -1)))];
  if (next !== undefined) {
    e.preventDefault();
    next.focus();
  }
});

document.addEventListener('keydown', (e) => {
  const typing = e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement;
  if (e.key === 'Escape') {
    if (cancelWork()) e.preventDefault();
    return;
  }
  if ($('db-view').hidden) return;
  if (e.altKey && ['1', '2', '3'].includes(e.key)) {
    e.preventDefault();
    selectView(Number(e.key) - 1);
    if (e.key === '2') $('sql').focus();
    return;
  }
  if (typing) return;
  if (e.key === 'PageDown' && !$('view-browse').hidden) {
    e.preventDefault();
    page(1);
  } else if (e.key === 'PageUp' && !$('view-browse').hidden) {
    e.preventDefault();
    page(-1);
  } else if (e.key === '/') {
    e.preventDefault();
    selectView(1);
    $('sql').focus();
  }
});
