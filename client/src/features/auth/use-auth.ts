// The logged-in user of one app, kept in localStorage across reloads.
//
// Each app keeps its own session (`hail.session.rider`, `hail.session.driver`):
// the two apps share an origin, and a rider and a driver may well be open side
// by side in one browser. A stored session of the wrong role is ignored.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { env } from '../../config/env.ts';
import { createApi, type Api } from '../../lib/api.ts';
import type { User } from '../../lib/protocol.ts';
import { TokenManager, localStorageSessionStore, type SessionStore } from '../../lib/token-refresh.ts';

export type AppRole = 'rider' | 'driver';

export interface Auth {
  role: AppRole;
  user: User | null;
  tokens: TokenManager;
  api: Api;
  /** Why the user is at the log-in screen again (session expired, ...), if not by choice. */
  endedMessage: string | null;
  login: (username: string, password: string) => Promise<void>;
  signup: (name: string, username: string, password: string) => Promise<void>;
  logout: (reason?: string) => void;
}

export function sessionKey(role: AppRole): string {
  return `hail.session.${role}`;
}

/** The stored session, if it is one of this app's role. */
function storedUser(store: SessionStore, role: AppRole): User | null {
  const session = store.load();
  if (session === null || typeof session !== 'object') return null;
  const user = (session as { user?: User }).user;
  return user !== undefined && user.role === role ? user : null;
}

export function useAuth(role: AppRole): Auth {
  const store = useMemo(() => localStorageSessionStore(sessionKey(role)), [role]);
  const tokens = useMemo(() => new TokenManager({ store, apiBaseUrl: env.apiBaseUrl }), [store]);
  const api = useMemo(() => createApi({ baseUrl: env.apiBaseUrl, tokens }), [tokens]);
  const [user, setUser] = useState<User | null>(() => storedUser(store, role));
  const [endedMessage, setEndedMessage] = useState<string | null>(null);

  // Another tab of this app logged in or out: follow it.
  useEffect(() => {
    const onStorage = (event: StorageEvent) => {
      if (event.key === sessionKey(role) || event.key === null) setUser(storedUser(store, role));
    };
    window.addEventListener('storage', onStorage);
    return () => window.removeEventListener('storage', onStorage);
  }, [role, store]);

  const login = useCallback(
    async (username: string, password: string) => {
      const response = await api.login({ username, password });
      const other = response.user.role;
      if (other !== role) {
        throw new Error(
          other === 'admin'
            ? `This is an admin account: the ${role} app needs a ${role} account.`
            : `This is a ${other} account: the ${role} app needs a ${role} account. Use the ${other} app at /${other}/.`,
        );
      }
      tokens.setTokens(response);
      setEndedMessage(null);
      setUser(response.user);
    },
    [api, role, tokens],
  );

  const signup = useCallback(
    async (name: string, username: string, password: string) => {
      const trimmed = name.trim();
      await api.signup({ username, password, role, ...(trimmed === '' ? {} : { name: trimmed }) });
      await login(username, password);
    },
    [api, login, role],
  );

  const logout = useCallback(
    (reason?: string) => {
      tokens.logout();
      setEndedMessage(reason ?? null);
      setUser(null);
    },
    [tokens],
  );

  return { role, user, tokens, api, endedMessage, login, signup, logout };
}
