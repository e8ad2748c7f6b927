// What each page of the build makes the browser download before it runs:
// the JS and CSS its `index.html` names (entry script, modulepreloads,
// stylesheets: Vite lists a page's whole static import graph there), raw,
// gzip (level 9) and brotli (quality 11), summed per page.
// Lazy chunks (`import()`) are listed apart: they load only when used.
//
//   npm run build && node scripts/page-weights.mjs [dist]   (prints a Markdown table)

import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dist = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const PAGES = [
  ['landing', 'index.html'],
  ['rider', 'rider/index.html'],
  ['driver', 'driver/index.html'],
  ['monitor', 'monitor/index.html'],
];

function sizes(file) {
  const body = readFileSync(join(dist, file));
  return {
    raw: body.length,
    gzip: gzipSync(body, { level: 9 }).length,
    br: brotliCompressSync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length,
  };
}

/** The same-origin JS and CSS a page's HTML loads, in order, each once. */
function assetsOf(html) {
  const found = [];
  const re = /<(?:script[^>]*\ssrc|link[^>]*\shref)="\/([^"]+\.(?:js|css))"/g;
  for (let m = re.exec(html); m !== null; m = re.exec(html)) {
    if (m[1] !== undefined && !found.includes(m[1])) found.push(m[1]);
  }
  return found;
}

const kb = (n) => (n / 1024).toFixed(1);
const loaded = new Set();
console.log('| page | files | JS+CSS raw (KiB) | gzip (KiB) | brotli (KiB) |');
console.log('|---|---|---|---|---|');
for (const [name, page] of PAGES) {
  const path = join(dist, page);
  if (!existsSync(path)) throw new Error(`no ${path}: run npm run build first`);
  const files = assetsOf(readFileSync(path, 'utf8'));
  const total = { raw: 0, gzip: 0, br: 0 };
  for (const file of files) {
    loaded.add(file);
    const s = sizes(file);
    total.raw += s.raw;
    total.gzip += s.gzip;
    total.br += s.br;
  }
  const list = files.map((f) => f.replace(/^assets\//, '').replace(/-[\w-]{8}\./, '.')).join(', ');
  console.log(`| ${name} | ${list || '(none)'} | ${kb(total.raw)} | ${kb(total.gzip)} | ${kb(total.br)} |`);
}
const lazy = readdirSync(join(dist, 'assets'))
  .filter((f) => /\.(js|css)$/.test(f) && !loaded.has(`assets/${f}`))
  .map((f) => `assets/${f}`);
if (lazy.length > 0) {
  console.log('');
  console.log(`Loaded by no page up front (lazy chunks): ${lazy.join(', ')}`);
}
