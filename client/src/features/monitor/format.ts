// How the monitor writes numbers, durations, ages and ids. Pure, so the
// tables render the same in tests as in the browser.

/** The random tail of a UUIDv7: its head is a timestamp, alike for trips of one minute. */
export function shortId(id: string): string {
  return id.length > 8 ? id.slice(-8) : id;
}

/** `0/s`, `3.5/s`, `412/s`: one decimal below 100. */
export function formatRate(perSec: number): string {
  if (!Number.isFinite(perSec)) return '?';
  if (perSec === 0) return '0/s';
  return perSec < 100 ? `${Number(perSec.toFixed(1))}/s` : `${Math.round(perSec)}/s`;
}

/** `45 s`, `29 m 59 s`, `3 h 02 m`, `2 d 4 h`. */
export function formatUptime(secs: number): string {
  const s = Math.max(0, Math.floor(secs));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} m ${String(s % 60).padStart(2, '0')} s`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, '0')} m`;
  return `${Math.floor(s / 86_400)} d ${Math.floor((s % 86_400) / 3600)} h`;
}

/** How long ago, from an age in ms: `now`, `3 s ago`, `5 min ago`, `2 h ago`, `3 d ago`. */
export function formatAge(ms: number): string {
  if (!Number.isFinite(ms)) return '?';
  // A small negative age is clock skew between nodes: it happened "now".
  if (ms < 1_000) return 'now';
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** `–` for none, `0.25 ms`, `12.3 ms`, `412 ms`, `4.21 s`. */
export function formatMs(ms: number | null): string {
  if (ms === null) return '–';
  if (!Number.isFinite(ms) || ms < 0) return '?';
  if (ms < 1) return `${Number(ms.toFixed(2))} ms`;
  if (ms < 100) return `${Number(ms.toFixed(1))} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${Number((ms / 1000).toFixed(2))} s`;
}

/** A search radius: `–` before the first round, `800 m`, `3.0 km`, `12.0 km`. */
export function formatRadius(metres: number | null): string {
  if (metres === null) return '–';
  if (!Number.isFinite(metres) || metres < 0) return '?';
  return metres < 1000 ? `${Math.round(metres)} m` : `${(metres / 1000).toFixed(1)} km`;
}

/** A wire time as the local wall clock, `09:30:04`, with milliseconds if asked. */
export function clockTime(iso: string, millis = false): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const two = (n: number) => String(n).padStart(2, '0');
  const base = `${two(d.getHours())}:${two(d.getMinutes())}:${two(d.getSeconds())}`;
  return millis ? `${base}.${String(d.getMilliseconds()).padStart(3, '0')}` : base;
}

/** The full local date and time, for a `title`. */
export function fullTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

/** Milliseconds between two wire times (`b - a`). */
export function msBetween(a: string, b: string): number {
  return Date.parse(b) - Date.parse(a);
}
