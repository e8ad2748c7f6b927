// The logged-in user of one app, kept in localStorage across reloads.
//
// Each app keeps its own session (`hail.session.rider`, `hail.session.driver`,
// `hail.session.admin` for the monitor): the apps share an origin, and a rider,
// a driver and an admin may well be open side by side in one browser. A stored
// session of the wrong role is ignored, and logging in with one is refused.

import { useCallback, useEffect, useMemo, useState } from 'react';
import { env } from '../../config/env.ts';
import { createApi, type Api } from '../../lib/api.ts';
import type { Role, User } from '../../lib/protocol.ts';
import { TokenManager, localStorageSessionStore, type SessionStore } from '../../lib/token-refresh.ts';

/** The role an app is for: the rider app, the driver app, the monitor (admin). */
export type AppRole = Role;

const APP_NAME: Record<AppRole, string> = { rider: 'the rider app', driver: 'the driver app', admin: 'the monitor' };
const APP_PATH: Record<AppRole, string> = { rider: '/rider/', driver: '/driver/', admin: '/monitor/' };
const ACCOUNT: Record<AppRole, string> = {
  rider: 'a rider account',
  driver: 'a driver account',
  admin: 'an admin account',
};

/** Why an account of role `other` cannot use the app for `role`, and where to go instead. */
export function wrongRoleText(role: AppRole, other: AppRole): string {
  return `This is ${ACCOUNT[other]}: ${APP_NAME[role]} needs ${ACCOUNT[role]}. Use ${APP_NAME[other]} at ${APP_PATH[other]}.`;
}

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
      if (other !== role) throw new Error(wrongRoleText(role, other));
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
      void tokens.logout();
      setEndedMessage(reason ?? null);
      setUser(null);
    },
    [tokens],
  );

  return { role, user, tokens, api, endedMessage, login, signup, logout };
}
