/**
 * Roles and what they may do. Shared by the server (which enforces) and the
 * UI (which greys out what the role cannot do): one table, no drift.
 */

export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/**
 * - `watch`: telemetry, cameras, events, state;
 * - `estop`: press the e-stop — every role may: whoever sees danger must
 *   be able to stop the robot;
 * - `control`: take the lease, teleoperate, record, run policies, and reset
 *   the e-stop (resetting re-enables motion, so it takes the right to move);
 * - `settings`: change the bridge's configuration.
 */
export type Permission = 'watch' | 'estop' | 'control' | 'settings';

export const ROLE_PERMISSIONS: Readonly<Record<Role, readonly Permission[]>> = {
  viewer: ['watch', 'estop'],
  operator: ['watch', 'estop', 'control'],
  admin: ['watch', 'estop', 'control', 'settings'],
};

export function roleAllows(role: Role, permission: Permission): boolean {
  return ROLE_PERMISSIONS[role]?.includes(permission) ?? false;
}

export function isRole(x: unknown): x is Role {
  return typeof x === 'string' && (ROLES as readonly string[]).includes(x);
}
