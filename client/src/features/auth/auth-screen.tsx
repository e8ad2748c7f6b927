// Log in / sign up: two tabs, one form each. The app decides the role (the
// rider app signs up riders, the driver app drivers). Admins cannot sign up
// (`hail admin create` makes them): the monitor shows the log-in form alone,
// without tabs. Errors, the server's message included, show in one
// role="alert" element.

import { useId, useState, type FormEvent, type KeyboardEvent } from 'react';
import type { Auth } from './use-auth.ts';

type Mode = 'login' | 'signup';

const TABS: { mode: Mode; label: string }[] = [
  { mode: 'login', label: 'Log in' },
  { mode: 'signup', label: 'Sign up' },
];

export interface AuthScreenProps {
  auth: Pick<Auth, 'role' | 'login' | 'signup' | 'endedMessage'>;
  title: string;
  /** `false`: log-in only, no tabs (the monitor). */
  allowSignup?: boolean;
}

export function AuthScreen({ auth, title, allowSignup = true }: AuthScreenProps) {
  const id = useId();
  const [mode, setMode] = useState<Mode>('login');
  const [name, setName] = useState('');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const select = (next: Mode) => {
    setMode(next);
    setError(null);
  };

  // Arrow keys move between tabs (WAI-ARIA tabs pattern).
  const onTabKey = (event: KeyboardEvent<HTMLButtonElement>) => {
    if (event.key !== 'ArrowLeft' && event.key !== 'ArrowRight' && event.key !== 'Home' && event.key !== 'End') return;
    event.preventDefault();
    const next: Mode =
      event.key === 'Home' ? 'login' : event.key === 'End' ? 'signup' : mode === 'login' ? 'signup' : 'login';
    select(next);
    document.getElementById(`${id}-tab-${next}`)?.focus();
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    if (busy) return;
    if (username.trim() === '' || password === '') {
      setError('Enter your username and password.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      if (mode === 'login') await auth.login(username.trim(), password);
      else await auth.signup(name, username.trim(), password);
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
      setBusy(false);
    }
  };

  const tabId = (m: Mode) => `${id}-tab-${m}`;
  const panelId = `${id}-panel`;

  const form = (
    <form className="auth__form" onSubmit={submit} noValidate>
      {mode === 'signup' && (
        <label>
          Name
          <input name="name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} />
        </label>
      )}
      <label>
        Username
        <input
          name="username"
          type="text"
          autoComplete="username"
          autoCapitalize="none"
          spellCheck={false}
          value={username}
          onChange={(e) => setUsername(e.target.value)}
        />
      </label>
      {mode === 'signup' && <p className="hint">3–32 letters, digits, “_”, “-” or “.”.</p>}
      <label>
        Password
        <input
          name="password"
          type="password"
          autoComplete={mode === 'login' ? 'current-password' : 'new-password'}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
      </label>
      {mode === 'signup' && <p className="hint">At least 8 characters.</p>}
      {error !== null && (
        <p role="alert" className="error">
          {error}
        </p>
      )}
      <button type="submit" className="primary" disabled={busy} aria-busy={busy}>
        {mode === 'login' ? 'Log in' : 'Create account'}
      </button>
    </form>
  );

  return (
    <main className="auth">
      <h1>{title}</h1>
      {auth.endedMessage !== null && <p className="auth__ended">{auth.endedMessage}</p>}
      {allowSignup ? (
        <>
          <div role="tablist" aria-label="Account" className="auth__tabs">
            {TABS.map((tab) => (
              <button
                key={tab.mode}
                id={tabId(tab.mode)}
                type="button"
                role="tab"
                aria-selected={mode === tab.mode}
                aria-controls={panelId}
                tabIndex={mode === tab.mode ? 0 : -1}
                onClick={() => select(tab.mode)}
                onKeyDown={onTabKey}
              >
                {tab.label}
              </button>
            ))}
          </div>
          <div role="tabpanel" id={panelId} aria-labelledby={tabId(mode)}>
            {form}
          </div>
        </>
      ) : (
        form
      )}
    </main>
  );
}
