// The admin monitor's entry (`/monitor/`).
import './config/env.ts';
import { mount } from './app/mount.tsx';
import { MonitorApp } from './app/monitor-app.tsx';

mount(<MonitorApp />);
