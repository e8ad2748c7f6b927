// @vitest-environment jsdom
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { StateChange } from '../lib/ws-client.ts';
import { ConnectionBadge } from './connection-badge.tsx';

afterEach(cleanup);

describe('ConnectionBadge', () => {
  it.each([
    [{ state: 'connecting', attempt: 0 }, 'Connecting'],
    [{ state: 'open', attempt: 0 }, 'Connected'],
    [{ state: 'reconnecting', attempt: 1, retryInMs: 2_000 }, 'Reconnecting'],
    [{ state: 'closed', attempt: 3 }, 'Offline'],
  ] as [StateChange, string][])('%o reads %j, and only that', (connection, word) => {
    render(<ConnectionBadge connection={connection} changedAt={Date.now()} />);
    expect(screen.getByLabelText('Connection').textContent).toBe(word);
  });

  it('says when the next attempt comes while the connection is lost', () => {
    render(
      <ConnectionBadge connection={{ state: 'reconnecting', attempt: 1, retryInMs: 2_000 }} changedAt={Date.now()} />,
    );
    expect(document.body.textContent).toContain('Connection lost. Retrying in 2 s');
  });
});
