// The headline numbers of the latest overview. Each number is an element
// whose accessible name is the counter's full name ("Trips accepted") and
// whose text is the number alone (the e2e contract); the visible caption
// beside it is the short word ("accepted") under a group heading ("Trips").

import type { Overview } from '../../lib/monitor-protocol.ts';

interface Counter {
  /** The accessible name: exact, tests look for it. */
  name: string;
  caption: string;
  value: (o: Overview) => number;
  /** Shown as a warning when above zero. */
  alarming?: boolean;
}

interface Group {
  title: string;
  counters: Counter[];
}

const GROUPS: Group[] = [
  {
    title: 'Nodes',
    counters: [
      { name: 'Nodes up', caption: 'up', value: (o) => o.totals.nodes_up },
      { name: 'Nodes down', caption: 'down', value: (o) => o.totals.nodes_down, alarming: true },
    ],
  },
  {
    title: 'Connections',
    counters: [
      { name: 'Riders connected', caption: 'riders', value: (o) => o.totals.connections.rider },
      { name: 'Drivers connected', caption: 'drivers', value: (o) => o.totals.connections.driver },
      { name: 'Admins connected', caption: 'admins', value: (o) => o.totals.connections.admin },
    ],
  },
  {
    title: 'Drivers',
    counters: [
      { name: 'Drivers online', caption: 'online', value: (o) => o.drivers.online },
      { name: 'Drivers available', caption: 'available', value: (o) => o.drivers.available },
    ],
  },
  {
    title: 'Trips',
    counters: [
      { name: 'Trips requested', caption: 'requested', value: (o) => o.trips.requested },
      { name: 'Trips accepted', caption: 'accepted', value: (o) => o.trips.accepted },
      { name: 'Trips arrived', caption: 'arrived', value: (o) => o.trips.arrived },
      { name: 'Trips in progress', caption: 'in progress', value: (o) => o.trips.in_progress },
      { name: 'Trips completed', caption: 'completed', value: (o) => o.trips.completed },
      { name: 'Trips cancelled', caption: 'cancelled', value: (o) => o.trips.cancelled },
      { name: 'Trips expired', caption: 'expired', value: (o) => o.trips.expired },
    ],
  },
];

/** Every counter's accessible name, in the order shown. */
export const COUNTER_NAMES = GROUPS.flatMap((g) => g.counters.map((c) => c.name));

export function Counters({ overview }: { overview: Overview | null }) {
  return (
    <section aria-label="Counters" className="panel counters">
      {GROUPS.map((group) => (
        <div key={group.title} className="counters__group">
          <h2 className="counters__title">{group.title}</h2>
          <dl className="counters__list">
            {group.counters.map((counter) => {
              const value = overview === null ? null : counter.value(overview);
              const alarm = counter.alarming === true && value !== null && value > 0;
              return (
                // The number shows above its caption (CSS), `dt` first as HTML wants.
                <div key={counter.name} className={`counter${alarm ? ' counter--alarm' : ''}`}>
                  <dt className="counter__caption">{counter.caption}</dt>
                  <dd aria-label={counter.name} className="counter__value">
                    {value ?? '–'}
                  </dd>
                </div>
              );
            })}
          </dl>
        </div>
      ))}
    </section>
  );
}
