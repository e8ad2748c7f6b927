// Links between the monitor's pages: a trip, a user (rider or driver) and a
// node each open their page wherever their id or name is shown. Links, not
// buttons: they go somewhere, and a row's own buttons stay the row's.

import type { MouseEvent, ReactNode } from 'react';

export interface MonitorLinks {
  openTrip: (tripId: string) => void;
  openUser: (userId: string) => void;
  openNode: (nodeId: string) => void;
}

export interface PageLinkProps {
  /** `#user/<id>`-style, for the browser's "open" affordances and tooltips. */
  kind: 'trip' | 'user' | 'node';
  id: string;
  onOpen: (id: string) => void;
  children: ReactNode;
}

export function PageLink({ kind, id, onOpen, children }: PageLinkProps) {
  const open = (e: MouseEvent) => {
    e.preventDefault();
    onOpen(id);
  };
  return (
    <a href={`#${kind}/${encodeURIComponent(id)}`} title={`Open ${kind} ${id}`} onClick={open}>
      {children}
    </a>
  );
}

/** The link for `kind`'s page, from the app's links. */
export function opener(links: MonitorLinks, kind: PageLinkProps['kind']): (id: string) => void {
  switch (kind) {
    case 'trip':
      return links.openTrip;
    case 'user':
      return links.openUser;
    case 'node':
      return links.openNode;
  }
}
