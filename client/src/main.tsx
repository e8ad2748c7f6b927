// The landing page (`/`). Imported first so a bad configuration stops the
// page with a clear message.
import './config/env.ts';
import { App } from './app/app.tsx';
import { mount } from './app/mount.tsx';

mount(<App />);
