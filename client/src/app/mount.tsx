// Mounts a page's root component into `#root` (each Vite page has its own entry).

import { StrictMode, type ReactNode } from 'react';
import { createRoot } from 'react-dom/client';
import './app.css';

export function mount(page: ReactNode): void {
  const root = document.getElementById('root');
  if (root === null) throw new Error('the page has no #root element');
  createRoot(root).render(<StrictMode>{page}</StrictMode>);
}
