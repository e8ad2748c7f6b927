// One row per node that announced itself in the last 10 minutes: where it
// listens, up or down, what it carries. A down node's figures are zero (the
// server's rule: its last words are not its state).

import type { ReactNode } from 'react';
import type { Overview } from '../../lib/monitor-protocol.ts';
import { PageLink } from './links.tsx';
import { formatAge, formatRate, formatUptime, fullTime, msBetween } from './format.ts';

export interface NodesTableProps {
  overview: Overview | null;
  /** Per-node actions (an operator's Drain); no column without it. */
  actions?: ((nodeId: string) => ReactNode) | undefined;
  /** Opens a node's page from its id (plain text without it). */
  onOpen?: ((nodeId: string) => void) | undefined;
}

export function NodesTable({ overview, actions, onOpen }: NodesTableProps) {
  const nodes = overview?.nodes ?? [];
  return (
    <section className="panel monitor__panel" aria-labelledby="monitor-nodes-title">
      <div className="panel__head">
        <h2 id="monitor-nodes-title">Nodes</h2>
        {overview !== null && (
          <span className="muted">down after {overview.heartbeat_window_secs} s without a heartbeat</span>
        )}
      </div>
      <div className="table-scroll">
        <table aria-label="Nodes" className="grid-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Address</th>
              <th scope="col">Status</th>
              <th scope="col">Uptime</th>
              <th scope="col" className="num">
                Riders
              </th>
              <th scope="col" className="num">
                Drivers
              </th>
              <th scope="col" className="num">
                Admins
              </th>
              <th scope="col" className="num">
                In/s
              </th>
              <th scope="col" className="num">
                Out/s
              </th>
              <th scope="col" className="num">
                Outbox drops
              </th>
              <th scope="col">Last seen</th>
              {actions !== undefined && (
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {nodes.map((node) => (
              <tr key={node.id} className={node.status === 'down' ? 'row--bad' : undefined}>
                <th scope="row">
                  {onOpen === undefined ? (
                    node.id
                  ) : (
                    <PageLink kind="node" id={node.id} onOpen={onOpen}>
                      {node.id}
                    </PageLink>
                  )}
                </th>
                <td>
                  <code>{node.address}</code>
                </td>
                <td>
                  <span className={`status status--node-${node.status}`}>{node.status}</span>
                </td>
                <td title={`since ${fullTime(node.started_at)}`}>{formatUptime(node.uptime_secs)}</td>
                <td className="num">{node.connections.rider}</td>
                <td className="num">{node.connections.driver}</td>
                <td className="num">{node.connections.admin}</td>
                <td className="num">{formatRate(node.messages_in_per_sec)}</td>
                <td className="num">{formatRate(node.messages_out_per_sec)}</td>
                <td className={`num${node.outbox_drops > 0 ? ' warning' : ''}`}>{node.outbox_drops}</td>
                <td title={fullTime(node.last_seen)}>
                  {overview === null ? '' : formatAge(msBetween(node.last_seen, overview.at))}
                </td>
                {actions !== undefined && <td>{node.status === 'up' ? actions(node.id) : null}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {overview === null && <p className="muted">Waiting for the first overview…</p>}
      {overview !== null && nodes.length === 0 && <p className="muted">No node has reported in the last 10 minutes.</p>}
    </section>
  );
}
