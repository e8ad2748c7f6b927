// GENERATED from protocol/src/close.rs (close::ALL, close::should_reconnect) by `make ts-types (cargo test -p hail-protocol --features ts --test ts_bindings)`.
// Do not edit: change the Rust types and regenerate; `make ts-check`
// (part of `make test`) fails when this file is out of date.

/** The WebSocket close codes the server sends (docs/protocol.md §4.4). */
export const CLOSE_CODES = {
  GOING_AWAY: 1001,
  INVALID_DATA: 1007,
  POLICY: 1008,
  TOO_BIG: 1009,
  INTERNAL: 1011,
  RESYNC: 1012,
  TOKEN_EXPIRED: 4001,
  REVOKED: 4003,
  SLOW_CONSUMER: 4008,
  REPLACED: 4009,
} as const;

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES];

/** Close codes after which reconnecting cannot help (`should_reconnect` is false). */
export const TERMINAL_CLOSE_CODES: ReadonlySet<number> = new Set<number>([
  CLOSE_CODES.INVALID_DATA,
  CLOSE_CODES.POLICY,
  CLOSE_CODES.TOO_BIG,
  CLOSE_CODES.REVOKED,
  CLOSE_CODES.REPLACED,
]);
