// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { CancelForm, feeText } from './cancel-form.tsx';
import { cancelChoice, cancelFeeRule, RIDER_CANCEL_REASONS } from './cancel-reasons.ts';

afterEach(cleanup);

const FARES = { cancel_grace_s: 120, cancel_fee: { amount: 300, currency: 'EUR' } };
const ACCEPTED = '2026-11-22T10:00:00Z';
const acceptedMs = Date.parse(ACCEPTED);

describe('cancelChoice', () => {
  it('needs a reason', () => {
    expect(cancelChoice(null, '')).toEqual({ ok: false, error: 'Choose a reason.' });
  });

  it('"other" needs a note; other reasons take one optionally', () => {
    expect(cancelChoice('other', '  ').ok).toBe(false);
    expect(cancelChoice('other', ' stuck in a meeting ')).toEqual({ ok: true, code: 'other', reason: 'stuck in a meeting' });
    expect(cancelChoice('wrong_pickup', '')).toEqual({ ok: true, code: 'wrong_pickup' });
  });

  it('refuses a note too long or with control characters', () => {
    expect(cancelChoice('other', 'x'.repeat(501)).ok).toBe(false);
    expect(cancelChoice('other', 'a\u0007b').ok).toBe(false);
  });
});

describe('cancelFeeRule', () => {
  it('is free before a driver accepted, or without the fare table', () => {
    expect(cancelFeeRule({}, FARES, acceptedMs)).toEqual({ kind: 'free' });
    expect(cancelFeeRule({ accepted_at: ACCEPTED }, null, acceptedMs + 999_000)).toEqual({ kind: 'free' });
  });

  it('is free within the grace (the end included), then costs the fee', () => {
    expect(cancelFeeRule({ accepted_at: ACCEPTED }, FARES, acceptedMs + 30_000)).toEqual({
      kind: 'grace',
      seconds: 90,
      fee: FARES.cancel_fee,
    });
    expect(cancelFeeRule({ accepted_at: ACCEPTED }, FARES, acceptedMs + 120_000).kind).toBe('grace');
    expect(cancelFeeRule({ accepted_at: ACCEPTED }, FARES, acceptedMs + 120_001)).toEqual({
      kind: 'fee',
      fee: FARES.cancel_fee,
    });
  });

  it('says it in words', () => {
    expect(feeText({ kind: 'free' })).toBe('Cancelling is free.');
    expect(feeText({ kind: 'grace', seconds: 90, fee: FARES.cancel_fee })).toBe(
      'Free to cancel for 1 min 30 s more; after that it costs €3.00.',
    );
    expect(feeText({ kind: 'fee', fee: FARES.cancel_fee })).toContain('Cancelling now costs €3.00');
  });
});

describe('CancelForm', () => {
  function show() {
    const onConfirm = vi.fn();
    const onKeep = vi.fn();
    render(<CancelForm fee={{ kind: 'fee', fee: FARES.cancel_fee }} busy={false} onConfirm={onConfirm} onKeep={onKeep} />);
    return { onConfirm, onKeep };
  }

  it('lists the rider reasons and shows the fee', () => {
    show();
    expect(screen.getAllByRole('radio')).toHaveLength(RIDER_CANCEL_REASONS.length);
    expect(screen.getByLabelText('Cancellation fee').textContent).toContain('€3.00');
  });

  it('asks for a reason before confirming', () => {
    const { onConfirm } = show();
    fireEvent.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    expect(screen.getByRole('alert').textContent).toBe('Choose a reason.');
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it('"Other" asks for a note, then sends code and note', () => {
    const { onConfirm } = show();
    expect(screen.queryByLabelText('Note')).toBeNull();
    fireEvent.click(screen.getByRole('radio', { name: 'Other' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    expect(screen.getByRole('alert').textContent).toContain('why');
    fireEvent.change(screen.getByLabelText('Note'), { target: { value: 'found a friend with a car' } });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    expect(onConfirm).toHaveBeenCalledWith('other', 'found a friend with a car');
  });

  it('sends a plain reason without a note; "Keep trip" backs out', () => {
    const { onConfirm, onKeep } = show();
    fireEvent.click(screen.getByRole('radio', { name: 'Wrong pickup place' }));
    fireEvent.click(screen.getByRole('button', { name: 'Confirm cancellation' }));
    expect(onConfirm).toHaveBeenCalledWith('wrong_pickup', undefined);
    fireEvent.click(screen.getByRole('button', { name: 'Keep trip' }));
    expect(onKeep).toHaveBeenCalled();
  });
});
