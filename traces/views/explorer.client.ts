// The report's step-through explorer, run by the browser (html.ts inlines it
// compiled to plain JavaScript). The page is complete without it: every step's
// details are in the HTML; this only chooses which counterexample and which
// step are shown, from the URL hash `#variant/property/step`, the keyboard,
// the buttons and the step list, and moves the chart's cursor.

interface Explorer {
  readonly el: HTMLElement;
  readonly key: string;
  /** Number of actions: steps run from 0 (the initial state) to last. */
  readonly last: number;
  step: number;
}

const explorers = new Map<string, Explorer>();
for (const el of document.querySelectorAll<HTMLElement>('section.explorer')) {
  const key = el.dataset.key!;
  explorers.set(key, { el, key, last: Number(el.dataset.last), step: Number(el.dataset.last) });
}
let active: Explorer | undefined;

function parseHash(hash: string): { ex: Explorer; step: number | undefined } | undefined {
  const parts = hash.replace(/^#/, '').split('/');
  if (parts.length < 2 || parts.length > 3) return undefined;
  const ex = explorers.get(`${parts[0]}/${parts[1]}`);
  if (!ex) return undefined;
  const step = parts[2] !== undefined && /^\d+$/.test(parts[2]) ? Number(parts[2]) : undefined;
  return { ex, step };
}

/** Keep `child` visible inside the scrolling `box` (its offset parent) without scrolling the page. */
function keepInView(box: HTMLElement, child: HTMLElement): void {
  const top = child.offsetTop;
  if (top < box.scrollTop) box.scrollTop = top;
  else if (top + child.offsetHeight > box.scrollTop + box.clientHeight) box.scrollTop = top + child.offsetHeight - box.clientHeight;
}

function setStep(ex: Explorer, wanted: number, updateHash: boolean): void {
  const i = Math.max(0, Math.min(ex.last, wanted));
  ex.step = i;
  const el = ex.el;
  el.querySelector('.step-counter')!.textContent = `step ${i} of ${ex.last}`;
  const list = el.querySelector<HTMLElement>('ol.steps')!;
  for (const li of list.querySelectorAll<HTMLElement>('li[data-step]')) {
    const here = Number(li.dataset.step) === i;
    li.classList.toggle('current', here);
    if (here) {
      li.setAttribute('aria-current', 'step');
      keepInView(list, li);
    } else li.removeAttribute('aria-current');
  }
  for (const d of el.querySelectorAll<HTMLElement>('.step-detail')) d.hidden = Number(d.dataset.step) !== i;
  const svg = el.querySelector<SVGSVGElement>('svg.trace-chart');
  if (svg) {
    const x = Number(svg.dataset.xs!.split(',')[i]);
    const cursor = svg.querySelector('line.cursor')!;
    cursor.setAttribute('x1', String(x));
    cursor.setAttribute('x2', String(x));
    cursor.setAttribute('visibility', 'visible');
    for (const c of svg.querySelectorAll<SVGElement>('circle.read')) c.classList.toggle('current', Number(c.dataset.step) === i);
    const box = svg.parentElement!;
    // The chart keeps its size and scrolls on narrow screens: bring the cursor in.
    const px = (x / svg.viewBox.baseVal.width) * svg.getBoundingClientRect().width;
    if (px < box.scrollLeft + 40 || px > box.scrollLeft + box.clientWidth - 40) box.scrollLeft = Math.max(0, px - box.clientWidth / 2);
  }
  el.querySelector<HTMLButtonElement>('button.prev')!.disabled = i === 0;
  el.querySelector<HTMLButtonElement>('button.next')!.disabled = i === ex.last;
  const link = `#${ex.key}/${i}`;
  el.querySelector<HTMLAnchorElement>('a.permalink')!.href = link;
  if (updateHash && location.hash !== link) history.replaceState(null, '', link);
}

function show(ex: Explorer, step: number, updateHash: boolean): void {
  for (const other of explorers.values()) other.el.hidden = other !== ex;
  active = ex;
  setStep(ex, step, updateHash);
}

/** Show what the hash names; with no hash, the first counterexample at its violation. */
function route(scroll: boolean): void {
  const target = parseHash(location.hash);
  if (target) {
    show(target.ex, target.step ?? target.ex.last, true);
    if (scroll) target.ex.el.scrollIntoView({ block: 'start' });
    return;
  }
  if (!active) {
    const first = explorers.values().next().value;
    if (first) show(first, first.last, false);
  }
}

for (const ex of explorers.values()) {
  ex.el.querySelector('button.prev')!.addEventListener('click', () => setStep(ex, ex.step - 1, true));
  ex.el.querySelector('button.next')!.addEventListener('click', () => setStep(ex, ex.step + 1, true));
}

document.addEventListener('keydown', (e) => {
  if (!active || e.altKey || e.ctrlKey || e.metaKey) return;
  if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement || e.target instanceof HTMLSelectElement) return;
  const moves: Record<string, number> = { ArrowRight: active.step + 1, j: active.step + 1, ArrowLeft: active.step - 1, k: active.step - 1, Home: 0, End: active.last };
  const to = moves[e.key];
  if (to === undefined) return;
  e.preventDefault();
  setStep(active, to, true);
});

window.addEventListener('hashchange', () => route(true));
route(location.hash !== '');
document.documentElement.classList.add('explorer-ready');

// A module to the type checker, so these names stay out of the global scope of the project's other files.
export {};
