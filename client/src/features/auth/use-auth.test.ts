import { describe, expect, it } from 'vitest';
import { sessionKey, wrongRoleText } from './use-auth.ts';

describe('wrongRoleText', () => {
  it('says which account the app needs and where the account belongs', () => {
    expect(wrongRoleText('admin', 'rider')).toBe(
      'This is a rider account: the monitor needs an admin account. Use the rider app at /rider/.',
    );
    expect(wrongRoleText('rider', 'admin')).toBe(
      'This is an admin account: the rider app needs a rider account. Use the monitor at /monitor/.',
    );
    expect(wrongRoleText('driver', 'rider')).toContain('the driver app needs a driver account');
  });
});

describe('sessionKey', () => {
  it('keeps one session per app', () => {
    expect(['rider', 'driver', 'admin'].map((r) => sessionKey(r as 'rider'))).toEqual([
      'hail.session.rider',
      'hail.session.driver',
      'hail.session.admin',
    ]);
  });
});
