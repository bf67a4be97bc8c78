/** A few DOM helpers: the page is plain TypeScript, no framework. */

export function $(id: string): HTMLElement {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`#${id} is missing from index.html`);
  return el;
}

export function $as<T extends HTMLElement>(id: string, type: { new (): T }): T {
  const el = $(id);
  if (!(el instanceof type)) throw new Error(`#${id} is not a ${type.name}`);
  return el;
}

type Child = Node | string | null | undefined | false;

/** `h('td', { class: 'n', title: 'x' }, 'text', child)` */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Record<string, string | number | boolean | undefined> = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c);
  }
  return el;
}

/**
 * ARIA tabs: click or ←/→/Home/End on a tab selects it and shows its panel (`aria-controls`).
 * Returns a function that selects a tab by index.
 */
export function tabs(list: HTMLElement, onSelect: (panelId: string) => void = () => {}): (index: number) => void {
  const all = [...list.querySelectorAll<HTMLButtonElement>('[role="tab"]')];
  const select = (index: number, focus = false): void => {
    all.forEach((tab, i) => {
      const on = i === index;
      tab.setAttribute('aria-selected', String(on));
      tab.tabIndex = on ? 0 : -1;
      const panel = document.getElementById(tab.getAttribute('aria-controls') ?? '');
      if (panel !== null) panel.hidden = !on;
      if (on) {
        if (focus) tab.focus();
        onSelect(tab.getAttribute('aria-controls') ?? '');
      }
    });
  };
  all.forEach((tab, i) => {
    tab.addEventListener('click', () => select(i));
    tab.addEventListener('keydown', (e) => {
      const next = { ArrowRight: i + 1, ArrowLeft: i - 1, Home: 0, End: all.length - 1 }[e.key];
      if (next === undefined) return;
      e.preventDefault();
      select((next + all.length) % all.length, true);
    });
  });
  return (index) => select(index, false);
}

export async function copyText(text: string): Promise<void> {
  await navigator.clipboard.writeText(text);
}
