// The driver app's entry (`/driver/`).
import './config/env.ts';
import { DriverApp } from './app/driver-app.tsx';
import { mount } from './app/mount.tsx';

mount(<DriverApp />);
