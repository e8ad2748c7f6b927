// The audit log panel: every operator action, newest first (who, what,
// when, target, result), filterable by target, paged with "Older". Reloads
// when `version` changes (after an action from this page). With a fixed
// `target` it is the log of one trip or user, shown on its page. With
// `links`, each target opens its trip's, user's or node's page.

import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { AuditEntry } from '../../lib/operator-protocol.ts';
import { opener, PageLink, type MonitorLinks } from './links.tsx';
import { ACTION_LABELS, resultText, targetKind } from './operator-actions.ts';
import { clockTime, fullTime } from './format.ts';
import type { OperatorApi } from './operator-api.ts';

export interface AuditLogProps {
  api: OperatorApi;
  version: number;
  /** Only this target's entries, with no filter form (a trip's detail). */
  target?: string;
  /** What the fixed target is, for the title ("Actions on this user"). */
  targetOf?: 'trip' | 'user';
  links?: MonitorLinks;
}

export function AuditLog({ api, version, target: fixed, targetOf = 'trip', links }: AuditLogProps) {
  const [draft, setDraft] = useState('');
  const [chosen, setTarget] = useState('');
  const target = fixed ?? chosen;
  const title = fixed === undefined ? 'Audit log' : `Actions on this ${targetOf}`;
  const titleId = fixed === undefined ? 'monitor-audit-title' : `monitor-${targetOf}-audit-title`;
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [next, setNext] = useState<number | undefined>(undefined);
  const [error, setError] = useState<string | null>(null);

  const load = useCallback(
    async (before?: number) => {
      try {
        const page = await api.audit({ target, before });
        setEntries((old) => (before === undefined ? page.entries : [...(old ?? []), ...page.entries]));
        setNext(page.next_before);
        setError(null);
      } catch (e) {
        setError(e instanceof Error ? e.message : String(e));
      }
    },
    [api, target],
  );

  useEffect(() => {
    void load();
  }, [load, version]);

  function submit(e: FormEvent) {
    e.preventDefault();
    setTarget(draft);
  }

  return (
    <section className="panel monitor__panel" aria-labelledby={titleId}>
      <div className="panel__head">
        <h2 id={titleId}>{title}</h2>
        {fixed === undefined && (
        <form onSubmit={submit} className="monitor__filters">
          <label>
            Target <input value={draft} onChange={(e) => setDraft(e.target.value)} spellCheck={false} />
          </label>{' '}
          <button type="submit" className="small">
            Filter
          </button>
        </form>
        )}
      </div>
      {error !== null && (
        <p role="alert" className="error">
          Could not read the audit log: {error}
        </p>
      )}
      <div className="table-scroll">
        <table aria-label={title} className="grid-table">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Who</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Result</th>
            </tr>
          </thead>
          <tbody>
            {(entries ?? []).map((e) => (
              <tr key={e.id} className={e.result === 'refused' ? 'row--bad' : undefined}>
                <td title={fullTime(e.at)}>{clockTime(e.at)}</td>
                <td>{e.actor_username}</td>
                <td>{ACTION_LABELS[e.action]}</td>
                <td>
                  {links === undefined ? (
                    <code>{e.target}</code>
                  ) : (
                    <PageLink kind={targetKind(e.action)} id={e.target} onOpen={opener(links, targetKind(e.action))}>
                      <code>{e.target}</code>
                    </PageLink>
                  )}
                </td>
                <td>{resultText(e)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {entries !== null && entries.length === 0 && <p className="muted">No action has been taken.</p>}
      {next !== undefined && (
        <button type="button" className="small" onClick={() => void load(next)}>
          Older
        </button>
      )}
    </section>
  );
}
