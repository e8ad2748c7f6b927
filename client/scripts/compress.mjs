// Writes `x.br` (brotli, quality 11) and `x.gz` (gzip, level 9) beside every
// text asset and page in `dist/`, for `hail serve` to send precompressed
// (tower-http ServeDir `precompressed_br` / `precompressed_gzip`). Run after
// `vite build` (`npm run build` does). Node's own zlib: no dependency.
//
//   node scripts/compress.mjs [dir]   (default: dist)

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const dir = process.argv[2] ?? new URL('../dist', import.meta.url).pathname;
const TEXT = /\.(js|mjs|css|html|svg|json|txt|map|wasm)$/;
/** Below this a compressed copy saves less than its headers cost. */
const MIN_BYTES = 256;

function* files(root) {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (statSync(path).isDirectory()) yield* files(path);
    else yield path;
  }
}

let raw = 0;
let br = 0;
let gz = 0;
let count = 0;
for (const path of files(dir)) {
  if (!TEXT.test(path) || path.includes(`${join('.vite', '')}`)) continue;
  const body = readFileSync(path);
  if (body.length < MIN_BYTES) continue;
  const brotli = brotliCompressSync(body, {
    params: {
      [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
      [constants.BROTLI_PARAM_SIZE_HINT]: body.length,
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
    },
  });
  const gzip = gzipSync(body, { level: 9 });
  // A copy no smaller than the original is not worth sending.
  if (brotli.length < body.length) writeFileSync(`${path}.br`, brotli);
  if (gzip.length < body.length) writeFileSync(`${path}.gz`, gzip);
  raw += body.length;
  br += brotli.length;
  gz += gzip.length;
  count += 1;
}
const kb = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log(`compressed ${count} files in ${relative(process.cwd(), dir) || '.'}: ${kb(raw)} -> br ${kb(br)}, gzip ${kb(gz)}`);
