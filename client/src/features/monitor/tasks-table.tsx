// The background tasks of every node: how often they ran, how long they
// took, what waits, and the last error. A task that ever failed is
// highlighted; the wire keeps `last_error` after later runs succeed and says
// nothing of when it failed, so the highlight means "has failed", not
// "is failing now".

import type { TaskStats } from '../../lib/monitor-protocol.ts';
import { formatAge, formatMs, fullTime } from './format.ts';
import { formatNextRun, formatSchedule, isFailingNow, recentStrip } from './task-schedule.ts';

export interface TasksTableProps {
  tasks: TaskStats[] | null;
  /** The server's "now" (local clock plus its offset), ms. */
  serverNow: number;
}

export function TasksTable({ tasks, serverNow }: TasksTableProps) {
  const failing = tasks?.filter((t) => t.failures > 0).length ?? 0;
  const failingNow = tasks?.filter(isFailingNow).length ?? 0;
  return (
    <section className="panel monitor__panel" aria-labelledby="monitor-tasks-title">
      <div className="panel__head">
        <h2 id="monitor-tasks-title">Background tasks</h2>
        {failing > 0 && (
          <span className="error">
            {failing} {failing === 1 ? 'task has' : 'tasks have'} failed
          </span>
        )}
        {failingNow > 0 && (
          <strong className="error" role="status">
            {failingNow} failing now
          </strong>
        )}
      </div>
      <div className="table-scroll">
        <table aria-label="Background tasks" className="grid-table">
          <thead>
            <tr>
              <th scope="col">Node</th>
              <th scope="col">Task</th>
              <th scope="col" className="num">
                Runs
              </th>
              <th scope="col" className="num">
                Failures
              </th>
              <th scope="col">Schedule</th>
              <th scope="col">Last run</th>
              <th scope="col">Next run</th>
              <th scope="col">Recent</th>
              <th scope="col" className="num">
                Last
              </th>
              <th scope="col" className="num">
                Mean
              </th>
              <th scope="col" className="num">
                Backlog
              </th>
              <th scope="col">Last error</th>
            </tr>
          </thead>
          <tbody>
            {(tasks ?? []).map((task) => (
              <tr
                key={`${task.node}/${task.name}`}
                className={task.failures > 0 ? 'row--bad' : undefined}
                data-failing={task.failures > 0 ? 'true' : undefined}
                data-failing-now={isFailingNow(task) ? 'true' : undefined}
              >
                <td>{task.node}</td>
                <th scope="row">
                  <code>{task.name}</code>
                </th>
                <td className="num">{task.runs}</td>
                <td className={`num${task.failures > 0 ? ' error' : ''}`}>{task.failures}</td>
                <td>{formatSchedule(task.interval_ms)}</td>
                <td title={task.last_run_at === null ? undefined : fullTime(task.last_run_at)}>
                  {task.last_run_at === null ? 'never' : formatAge(serverNow - Date.parse(task.last_run_at))}
                </td>
                <td>{formatNextRun(task.next_run_at, serverNow)}</td>
                <td aria-label="Recent runs, oldest first" className={isFailingNow(task) ? 'error' : undefined}>
                  {recentStrip(task) || '–'}
                </td>
                <td className="num">{formatMs(task.last_duration_ms)}</td>
                <td className="num">{formatMs(task.mean_duration_ms)}</td>
                <td className={`num${task.backlog > 0 ? ' warning' : ''}`}>{task.backlog}</td>
                <td className={task.last_error === null ? 'muted' : 'error'}>{task.last_error ?? '–'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {tasks === null && <p className="muted">Waiting for the first report…</p>}
    </section>
  );
}
