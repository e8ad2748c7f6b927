// Small hand-written JSON guards for the wire parsers in `protocol.ts`.
// Each reads one field of an object and throws a `ProtocolError` naming the
// field's path, so a bad frame says exactly what was wrong with it.

/** A frame or body that does not match the wire contract. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError';
  /** Where in the value it went wrong, e.g. `$.trip.pickup.lat`. */
  readonly path: string;

  constructor(path: string, reason: string) {
    super(`${path}: ${reason}`);
    this.path = path;
  }
}

export type JsonObject = Record<string, unknown>;

export function object(value: unknown, path: string): JsonObject {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ProtocolError(path, 'expected an object');
  }
  return value as JsonObject;
}

export function array(value: unknown, path: string): unknown[] {
  if (!Array.isArray(value)) throw new ProtocolError(path, 'expected an array');
  return value;
}

function required(o: JsonObject, key: string, path: string): unknown {
  const value = o[key];
  if (value === undefined || value === null) {
    throw new ProtocolError(`${path}.${key}`, 'missing required field');
  }
  return value;
}

/** Absent and `null` both mean "not there" for optional fields. */
function optional(o: JsonObject, key: string): unknown {
  const value = o[key];
  return value === null ? undefined : value;
}

function checkString(value: unknown, path: string): string {
  if (typeof value !== 'string') throw new ProtocolError(path, 'expected a string');
  return value;
}

function checkNumber(value: unknown, path: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new ProtocolError(path, 'expected a finite number');
  }
  return value;
}

// RFC 3339 with a mandatory offset; the server writes `Z` with fractions.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function checkTime(value: unknown, path: string): string {
  const s = checkString(value, path);
  if (!RFC3339.test(s) || Number.isNaN(Date.parse(s))) {
    throw new ProtocolError(path, 'expected an RFC 3339 time');
  }
  return s;
}

export function string(o: JsonObject, key: string, path: string): string {
  return checkString(required(o, key, path), `${path}.${key}`);
}

export function optionalString(o: JsonObject, key: string, path: string): string | undefined {
  const value = optional(o, key);
  return value === undefined ? undefined : checkString(value, `${path}.${key}`);
}

export function number(o: JsonObject, key: string, path: string): number {
  return checkNumber(required(o, key, path), `${path}.${key}`);
}

export function optionalNumber(o: JsonObject, key: string, path: string): number | undefined {
  const value = optional(o, key);
  return value === undefined ? undefined : checkNumber(value, `${path}.${key}`);
}

export function boolean(o: JsonObject, key: string, path: string): boolean {
  const value = required(o, key, path);
  if (typeof value !== 'boolean') throw new ProtocolError(`${path}.${key}`, 'expected a boolean');
  return value;
}

export function time(o: JsonObject, key: string, path: string): string {
  return checkTime(required(o, key, path), `${path}.${key}`);
}

export function optionalTime(o: JsonObject, key: string, path: string): string | undefined {
  const value = optional(o, key);
  return value === undefined ? undefined : checkTime(value, `${path}.${key}`);
}

export function oneOf<T extends string>(
  o: JsonObject,
  key: string,
  path: string,
  allowed: readonly T[],
): T {
  const value = string(o, key, path);
  if (!(allowed as readonly string[]).includes(value)) {
    throw new ProtocolError(`${path}.${key}`, `unknown value ${JSON.stringify(value)}`);
  }
  return value as T;
}

export function optionalOneOf<T extends string>(
  o: JsonObject,
  key: string,
  path: string,
  allowed: readonly T[],
): T | undefined {
  return optional(o, key) === undefined ? undefined : oneOf(o, key, path, allowed);
}

/** Parses a required nested value with `parse`. */
export function field<T>(
  o: JsonObject,
  key: string,
  path: string,
  parse: (value: unknown, path: string) => T,
): T {
  return parse(required(o, key, path), `${path}.${key}`);
}

/**
 * A Rust `Option` without `skip_serializing_if`: the server always writes it,
 * `null` when empty. serde also reads an absent one as `None`, and so do we.
 */
export function nullable<T>(
  o: JsonObject,
  key: string,
  path: string,
  parse: (value: unknown, path: string) => T,
): T | null {
  const value = o[key];
  return value === undefined || value === null ? null : parse(value, `${path}.${key}`);
}

/** A Rust `u32`/`u64`: a non-negative integer. */
export function count(o: JsonObject, key: string, path: string): number {
  const value = number(o, key, path);
  if (!Number.isInteger(value) || value < 0) {
    throw new ProtocolError(`${path}.${key}`, 'expected a non-negative integer');
  }
  return value;
}

/** An `Option<f64>` the server always writes (`null` when empty). */
export function nullableNumber(o: JsonObject, key: string, path: string): number | null {
  return nullable(o, key, path, checkNumber);
}

/** An `Option<u64>` the server always writes (`null` when empty). */
export function nullableCount(o: JsonObject, key: string, path: string): number | null {
  return o[key] === undefined || o[key] === null ? null : count(o, key, path);
}

/** An `Option<String>` the server always writes (`null` when empty). */
export function nullableString(o: JsonObject, key: string, path: string): string | null {
  return nullable(o, key, path, checkString);
}

/** An `Option<DateTime>` the server always writes (`null` when empty). */
export function nullableTime(o: JsonObject, key: string, path: string): string | null {
  return nullable(o, key, path, checkTime);
}

/**
 * Every member of the string union `T` (a generated wire enum) as a runtime
 * list: `allOf<Role>()(['rider', 'driver', 'admin'])`. Leaving a member out or
 * naming one the union lacks is a type error, so the list the parsers check
 * against cannot drift from the Rust enum it mirrors.
 */
export function allOf<T extends string>() {
  return <const A extends readonly T[]>(
    values: A,
    ..._exhaustive: [T] extends [A[number]] ? [] : [missing: Exclude<T, A[number]>]
  ): A => values;
}
