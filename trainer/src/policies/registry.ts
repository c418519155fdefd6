// Policies registered by name (LeRobot-style `--policy.type=chunk`).
import { chunkPolicy } from './chunk/chunkPolicy.ts';
import { mlpPolicy } from './mlp/mlpPolicy.ts';
import type { PolicyDefinition } from './PolicyDefinition.ts';

const policies = new Map<string, PolicyDefinition<any>>();

export function registerPolicy(def: PolicyDefinition<any>): void {
  if (policies.has(def.name)) throw new Error(`registerPolicy: a policy named '${def.name}' is already registered; pick another name`);
  policies.set(def.name, def);
}

export function getPolicy(name: string): PolicyDefinition<any> {
  const def = policies.get(name);
  if (def == null) throw new Error(`getPolicy: expected one of [${listPolicies().join(', ')}], found '${name}'`);
  return def;
}

export function listPolicies(): string[] {
  return [...policies.keys()].sort();
}

registerPolicy(mlpPolicy);
registerPolicy(chunkPolicy);
