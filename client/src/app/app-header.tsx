// The header of a logged-in app: app name, the user's name, the connection
// badge and "Log out".

import type { ReactNode } from 'react';

export interface AppHeaderProps {
  title: string;
  userName: string;
  badge: ReactNode;
  onLogout: () => void;
}

export function AppHeader({ title, userName, badge, onLogout }: AppHeaderProps) {
  return (
    <header className="app-header">
      <a className="app-header__brand" href="/">
        Hail
      </a>
      <span className="app-header__title">{title}</span>
      <span className="app-header__spacer" />
      {badge}
      <span className="app-header__user">{userName}</span>
      <button type="button" onClick={onLogout}>
        Log out
      </button>
    </header>
  );
}
