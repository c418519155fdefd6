/**
 * The Deploy page's read of the bridge's policies folder (`GET
 * /api/policies`): bundles ready to deploy, with what they were trained on
 * and their evaluation (eval.json) when there is one. A failure becomes a
 * message with a tip, never a throw into React.
 */
import type { PolicyListResponse } from '../../../../bridge/src/training/trainingApi.ts';

export type { PolicyEval, PolicyListResponse, PolicySummary } from '../../../../bridge/src/training/trainingApi.ts';

export type PolicyListResult = { ok: true; list: PolicyListResponse } | { ok: false; message: string; tip: string };

export async function fetchPolicies(opts: { token?: string; fetch?: typeof fetch; base?: string } = {}): Promise<PolicyListResult> {
  const doFetch = opts.fetch ?? ((input: RequestInfo | URL, init?: RequestInit) => fetch(input, init));
  const headers: Record<string, string> = opts.token ? { authorization: `Bearer ${opts.token}` } : {};
  let res: Response;
  try {
    res = await doFetch(`${opts.base ?? '/api'}/policies`, { headers });
  } catch {
    return { ok: false, message: 'Cannot reach the bridge', tip: 'Check that the bridge is running and this screen is on the cell network, then press Refresh.' };
  }
  if (res.ok) return { ok: true, list: (await res.json()) as PolicyListResponse };
  let err: { message?: string; tip?: string } = {};
  try {
    err = (await res.json()) as typeof err;
  } catch {
    // Not our JSON (a proxy's page, or a bridge without the route).
  }
  if (res.status === 404 && !err.message) return { ok: false, message: 'This bridge does not list its policies', tip: 'Update the bridge, or type the policy folder name below.' };
  return { ok: false, message: err.message ?? `The bridge answered ${res.status}`, tip: err.tip ?? 'Press Refresh; if it keeps happening, tell your integrator.' };
}
