/**
 * One HTTP request to the bridge's REST API, as every page's API client
 * makes it: the token as `Authorization: Bearer`, JSON bodies, and every
 * failure turned into a `BridgeApiError` with a code and a tip for the
 * person (unreachable bridge, or the bridge's own `{code, message, tip}`).
 */
export class BridgeApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly tip: string,
  ) {
    super(message);
    this.name = 'BridgeApiError';
  }
}

export interface BridgeRequestOptions {
  token?: string;
  fetch: typeof fetch;
}

export async function bridgeRequest(opts: BridgeRequestOptions, method: string, url: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  const headers: Record<string, string> = {};
  if (opts.token) headers.authorization = `Bearer ${opts.token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await opts.fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    if ((error as Error).name === 'AbortError') throw error;
    throw new BridgeApiError(0, 'unreachable', 'Cannot reach the bridge', 'Check that the bridge is running and this screen is on the cell network, then try again.');
  }
  if (res.ok) return res;
  let err: { code?: string; message?: string; tip?: string } = {};
  try {
    err = (await res.json()) as typeof err;
  } catch {
    // Not our JSON (a proxy's page): fall through to the status line.
  }
  throw new BridgeApiError(res.status, err.code ?? `http_${res.status}`, err.message ?? `The bridge answered ${res.status} ${res.statusText}`, err.tip ?? 'Try again; if it keeps happening, tell your integrator.');
}
