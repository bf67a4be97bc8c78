/**
 * A result grid: a table of values shown as the CLI's table shows them. Each row carries its JSON
 * Lines form (`data-json`, as `--json` prints it) for "Copy as JSON Lines" and for the browser
 * test, which compares it with the CLI's output.
 */
import type { SqlValue, StorageClass } from '../../src/index.js';
import { h } from './dom.js';
import { displayValue, jsonRow } from './values.js';

export interface GridRow {
  readonly values: readonly SqlValue[];
  readonly classes: readonly StorageClass[];
}

export function renderGrid(columns: readonly string[], rows: readonly GridRow[], firstRowNumber = 1): HTMLTableElement {
  const head = h('thead', {}, h('tr', {}, h('th', { class: 'rownum', scope: 'col' }, '#'), ...columns.map((c) => h('th', { scope: 'col' }, c))));
  const body = h('tbody');
  rows.forEach((row, i) => {
    const tr = h('tr', { 'data-json': jsonRow(row.values, row.classes) }, h('th', { class: 'rownum', scope: 'row' }, String(firstRowNumber + i)));
    row.values.forEach((v, c) => {
      const cls = row.classes[c] ?? 'null';
      const { text, full } = displayValue(v, cls);
      tr.append(h('td', { class: `v-${cls}`, ...(full !== text || full.length > 40 ? { title: full } : {}) }, text));
    });
    body.append(tr);
  });
  return h('table', { class: 'grid' }, head, body);
}

/** The JSON Lines of a rendered grid (what "Copy as JSON Lines" copies). */
export function gridJsonLines(container: HTMLElement): string {
  return [...container.querySelectorAll<HTMLTableRowElement>('tbody tr')].map((tr) => `${tr.dataset['json'] ?? ''}\n`).join('');
}
