// @vitest-environment jsdom
import { cleanup, fireEvent, render, screen, waitFor } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthScreen, type AuthScreenProps } from './auth-screen.tsx';

afterEach(cleanup);

function setup(overrides: Partial<AuthScreenProps['auth']> = {}, allowSignup = true) {
  const auth = {
    role: 'rider' as const,
    endedMessage: null,
    login: vi.fn(async () => {}),
    signup: vi.fn(async () => {}),
    ...overrides,
  };
  render(<AuthScreen auth={auth} title="Hail: rider" allowSignup={allowSignup} />);
  return auth;
}

describe('AuthScreen', () => {
  it('has the two tabs, and the log-in form by default', () => {
    setup();
    expect(screen.getByRole('tablist')).toBeTruthy();
    expect(screen.getByRole('tab', { name: 'Log in' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tab', { name: 'Sign up' }).getAttribute('aria-selected')).toBe('false');
    expect(screen.getByLabelText('Username')).toBeTruthy();
    expect(screen.getByLabelText('Password')).toBeTruthy();
    expect(screen.queryByLabelText('Name')).toBeNull();
    expect(screen.getByRole('button', { name: 'Log in' })).toBeTruthy();
  });

  it('logs in with what was typed', async () => {
    const auth = setup();
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ann' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(auth.login).toHaveBeenCalledWith('ann', 'correct horse'));
  });

  it("shows the server's message in an alert", async () => {
    setup({ login: vi.fn(async () => Promise.reject(new Error('wrong username or password'))) });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ann' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'nope nope' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect((await screen.findByRole('alert')).textContent).toContain('wrong username or password');
  });

  it('signs up with a name on the sign-up tab', async () => {
    const auth = setup();
    fireEvent.click(screen.getByRole('tab', { name: 'Sign up' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'Ann' } });
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ann' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Create account' }));
    await waitFor(() => expect(auth.signup).toHaveBeenCalledWith('Ann', 'ann', 'correct horse'));
  });

  it('asks for the fields before calling the server', () => {
    const auth = setup();
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    expect(screen.getByRole('alert').textContent).toMatch(/username and password/);
    expect(auth.login).not.toHaveBeenCalled();
  });

  it('moves between tabs with the arrow keys', () => {
    setup();
    fireEvent.keyDown(screen.getByRole('tab', { name: 'Log in' }), { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Sign up' }).getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('button', { name: 'Create account' })).toBeTruthy();
  });

  it('offers log-in alone, without tabs, where nobody may sign up (the monitor)', async () => {
    const auth = setup({ role: 'admin' }, false);
    expect(screen.queryByRole('tablist')).toBeNull();
    expect(screen.queryByRole('tab')).toBeNull();
    expect(screen.queryByRole('button', { name: 'Create account' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Username'), { target: { value: 'ada' } });
    fireEvent.change(screen.getByLabelText('Password'), { target: { value: 'correct horse' } });
    fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
    await waitFor(() => expect(auth.login).toHaveBeenCalledWith('ada', 'correct horse'));
  });
});
