// @vitest-environment jsdom
import { act, cleanup, renderHook, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { useLiveFetch } from './use-live-fetch.ts';

afterEach(cleanup);

/** A load whose answers the test hands out one by one. */
function controlled() {
  const calls: { key: string; resolve: (v: string) => void; reject: (e: unknown) => void }[] = [];
  const load = vi.fn(
    (key: string) =>
      new Promise<string>((resolve, reject) => {
        calls.push({ key, resolve, reject });
      }),
  );
  return { calls, load };
}

describe('useLiveFetch', () => {
  it('reads nothing without a key', () => {
    const { load } = controlled();
    const { result } = renderHook(() => useLiveFetch(null, load, 0));
    expect(load).not.toHaveBeenCalled();
    expect(result.current.data).toBeNull();
  });

  it('reads on each tick, one read at a time', async () => {
    const { calls, load } = controlled();
    const { result, rerender } = renderHook(({ tick }) => useLiveFetch('a', load, tick), { initialProps: { tick: 0 } });
    expect(load).toHaveBeenCalledTimes(1);
    // The read is still out: this tick is skipped.
    rerender({ tick: 1 });
    expect(load).toHaveBeenCalledTimes(1);
    await act(async () => calls[0]!.resolve('one'));
    expect(result.current.data).toBe('one');
    rerender({ tick: 2 });
    expect(load).toHaveBeenCalledTimes(2);
    await act(async () => calls[1]!.resolve('two'));
    expect(result.current.data).toBe('two');
  });

  it('keeps the last data on a failure and reports the error until a read succeeds', async () => {
    const { calls, load } = controlled();
    const { result, rerender } = renderHook(({ tick }) => useLiveFetch('a', load, tick), { initialProps: { tick: 0 } });
    await act(async () => calls[0]!.resolve('one'));
    rerender({ tick: 1 });
    await act(async () => calls[1]!.reject(new Error('503')));
    expect(result.current.data).toBe('one');
    expect(result.current.error).toEqual(new Error('503'));
    rerender({ tick: 2 });
    await act(async () => calls[2]!.resolve('three'));
    expect(result.current).toMatchObject({ data: 'three', error: null });
  });

  it('reads a new key at once and drops answers for the old one', async () => {
    const { calls, load } = controlled();
    const { result, rerender } = renderHook(({ key }) => useLiveFetch(key, load, 0), { initialProps: { key: 'a' } });
    rerender({ key: 'b' });
    expect(calls.map((c) => c.key)).toEqual(['a', 'b']);
    await act(async () => calls[0]!.resolve('for a'));
    expect(result.current.data).toBeNull();
    await act(async () => calls[1]!.resolve('for b'));
    await waitFor(() => expect(result.current.data).toBe('for b'));
  });
});

describe('useLiveFetch after an action', () => {
  it('reads again at once on a new version, even with a read out, and drops the older answer', async () => {
    const { calls, load } = controlled();
    const { result, rerender } = renderHook(({ version }) => useLiveFetch('a', load, 0, version), {
      initialProps: { version: 0 },
    });
    expect(load).toHaveBeenCalledTimes(1);
    // The action answered while the first read (from before it) is still out.
    rerender({ version: 1 });
    expect(load).toHaveBeenCalledTimes(2);
    await act(async () => calls[1]!.resolve('after'));
    expect(result.current.data).toBe('after');
    // The old read answers late with the state from before the action: dropped.
    await act(async () => calls[0]!.resolve('before'));
    expect(result.current.data).toBe('after');
  });

  it('drops an answer from before the action that comes first', async () => {
    const { calls, load } = controlled();
    const { result, rerender } = renderHook(({ version }) => useLiveFetch('a', load, 0, version), {
      initialProps: { version: 0 },
    });
    rerender({ version: 1 });
    await act(async () => calls[0]!.resolve('before'));
    expect(result.current.data).toBeNull();
    await act(async () => calls[1]!.resolve('after'));
    expect(result.current.data).toBe('after');
  });
});
