import type { RobotProfile } from './RobotProfile.ts';
import { servoProfile } from './servo/servoProfile.ts';
import { urRos1Profile } from './ur-ros1/urRos1Profile.ts';
import { urProfile } from './ur/urProfile.ts';

// Profiles are registered by name, never branched on elsewhere (STYLE.md):
// a new robot is a folder here plus one line below.
const profiles = new Map<string, RobotProfile>();
for (const p of [urProfile, urRos1Profile, servoProfile]) profiles.set(p.name, p);

/** Add a profile (e.g. from a plugin); throws if the name is taken. */
export function registerProfile(profile: RobotProfile): void {
  if (profiles.has(profile.name)) throw new Error(`robot profile "${profile.name}" is already registered; pick another name.`);
  profiles.set(profile.name, profile);
}

/** The profile registered as `name`; throws listing the names that exist. */
export function getProfile(name: string): RobotProfile {
  const p = profiles.get(name);
  if (!p) throw new Error(`unknown robot profile "${name}": expected one of ${[...profiles.keys()].join(', ')}.`);
  return p;
}

/** Every registered profile: name and one-line summary. */
export function listProfiles(): { name: string; summary: string }[] {
  return [...profiles.values()].map((p) => ({ name: p.name, summary: p.summary }));
}
