// The surge board every node prices from (`GET /api/monitor/surge`): per H3
// cell the available drivers, the recent requests and the multiplier.
// Surging cells come first and are highlighted; the board is computed by one
// node per interval, named here with when.

import type { SurgeResponse } from '../../lib/monitor-protocol.ts';
import { formatAge, fullTime } from './format.ts';

export interface SurgeTableProps {
  board: SurgeResponse | null;
  /** The server's "now" (local clock plus its offset), ms. */
  serverNow: number;
  error?: unknown;
}

/** `12500` -> `1.25×`. */
export function formatMultiplier(bp: number): string {
  return `${(bp / 10_000).toFixed(2)}×`;
}

export function SurgeTable({ board, serverNow, error }: SurgeTableProps) {
  const surging = board?.cells.filter((c) => c.surge_bp > 10_000).length ?? 0;
  return (
    <section className="panel monitor__panel" aria-labelledby="monitor-surge-title">
      <div className="panel__head">
        <h2 id="monitor-surge-title">Surge</h2>
        {board?.computed_at && (
          <span className="muted" title={fullTime(board.computed_at)}>
            H3 resolution {board.resolution}, computed {formatAge(serverNow - Date.parse(board.computed_at))}
            {board.computed_by ? ` by ${board.computed_by}` : ''}; demand over {Math.round(board.demand_window_s / 60)} min
          </span>
        )}
        {surging > 0 && (
          <span className="warning">
            {surging} {surging === 1 ? 'cell surging' : 'cells surging'}
          </span>
        )}
      </div>
      {error !== undefined && error !== null && <p className="error">Surge board not loaded.</p>}
      {board === null || board.cells.length === 0 ? (
        <p className="muted">No surge data yet.</p>
      ) : (
        <div className="table-scroll">
          <table aria-label="Surge cells" className="grid-table">
            <thead>
              <tr>
                <th scope="col">Cell</th>
                <th scope="col" className="num">
                  Drivers
                </th>
                <th scope="col" className="num">
                  Requests
                </th>
                <th scope="col" className="num">
                  Multiplier
                </th>
              </tr>
            </thead>
            <tbody>
              {board.cells.map((c) => (
                <tr key={c.cell} className={c.surge_bp > 10_000 ? 'row--bad' : undefined}>
                  <td title={`${c.lat.toFixed(5)}, ${c.lng.toFixed(5)}`}>
                    <code>{c.cell}</code>
                  </td>
                  <td className="num">{c.supply}</td>
                  <td className="num">{c.demand}</td>
                  <td className="num">{formatMultiplier(c.surge_bp)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
