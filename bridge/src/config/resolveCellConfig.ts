import { getProfile, type ProfileAdapter, type RobotProfile } from '../profiles/index.ts';
import { resolveSafetyLimits, type SafetyLimits } from '../safety/index.ts';
import type { CellConfig } from './CellConfig.ts';

/** A cell config turned into the things that run: the profile's adapter and the validated safety limits. */
export interface ResolvedCell {
  config: CellConfig;
  profile: RobotProfile;
  adapter: ProfileAdapter;
  limits: SafetyLimits;
}

/**
 * Create the profile adapter and resolve the safety limits for the config's
 * arm. Throws, prefixed with the config's source, on anything the profile or
 * the safety layer rejects (unknown profile, joint count, unsafe limits).
 */
export function resolveCellConfig(config: CellConfig): ResolvedCell {
  try {
    const profile = getProfile(config.profile);
    const adapter = profile.createAdapter(config.settings);
    const limits = resolveSafetyLimits(adapter.arm, config.safety);
    return { config, profile, adapter, limits };
  } catch (e) {
    throw new Error(`${config.source}: ${(e as Error).message}`);
  }
}
