// What every app page is: the log-in screen until someone is logged in,
// then the app's home; toasts over both.

import type { ComponentType } from 'react';
import { AuthScreen } from '../features/auth/auth-screen.tsx';
import { useAuth, type AppRole, type Auth } from '../features/auth/use-auth.ts';
import { ToastRegion } from '../features/toasts/toast-region.tsx';
import { useToasts, type Toasts } from '../features/toasts/use-toasts.ts';
import type { User } from '../lib/protocol.ts';

export interface HomeProps {
  auth: Auth;
  user: User;
  toasts: Toasts;
}

export interface AppShellProps {
  role: AppRole;
  title: string;
  Home: ComponentType<HomeProps>;
}

export function AppShell({ role, title, Home }: AppShellProps) {
  const auth = useAuth(role);
  const toasts = useToasts();
  return (
    <>
      {auth.user === null ? (
        <AuthScreen auth={auth} title={title} />
      ) : (
        <Home auth={auth} user={auth.user} toasts={toasts} />
      )}
      <ToastRegion toasts={toasts.toasts} onDismiss={toasts.dismiss} />
    </>
  );
}
