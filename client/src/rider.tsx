// The rider app's entry (`/rider/`).
import './config/env.ts';
import { mount } from './app/mount.tsx';
import { RiderApp } from './app/rider-app.tsx';

mount(<RiderApp />);
