// call_service, as rosbridge's CallService capability answers it: a
// `service_response` echoing the caller's id and service spelling, with
// `result: true` and the response values, or `result: false` and the error
// text as `values`. Services are served by the cell or forwarded to the client
// that advertised them (its `service_response` comes back by forwarded id).
import { checkFields } from './checkFields.ts';
import type { ClientSession } from './ClientSession.ts';
import { toJsonValue } from './MessageCodec.ts';
import { GraphError, type RosGraph, resolveName } from './RosGraph.ts';

let forwardCounter = 0;

export async function runServiceCall(
  caller: ClientSession,
  graph: RosGraph,
  m: Record<string, unknown>,
): Promise<void> {
  const id = m.id;
  const key = typeof m.service === 'string' ? m.service : '';
  const reply = (values: unknown, result: boolean) =>
    caller.sendJson({ op: 'service_response', service: key, values, result, ...(id !== undefined ? { id } : {}) });
  try {
    checkFields(m, [[true, 'service', 'string']]);
    // rosbridge still accepts the deprecated "/name#id" form.
    const name = resolveName(key.split('#')[0], 'service');
    const entry = graph.services.get(name);
    if (!entry) throw new GraphError(`Service ${name} does not exist`);
    const args = m.args ?? {};
    if (entry.cellHandler) {
      const schema = graph.codec.schemas.service(entry.type);
      let req: unknown = args;
      if (schema) {
        const fields = schema.request.fields.map((f) => f.name);
        // rosbridge maps a list of args onto the request fields in order.
        const obj = Array.isArray(args) ? Object.fromEntries(args.map((v, i) => [fields[i] ?? `#${i}`, v])) : args;
        req = graph.codec.decodeObject(obj, schema.request, schema.request.type, []);
      }
      const res = await entry.cellHandler(req);
      reply(schema ? graph.codec.encodeObject(res, schema.response, 'json') : toJsonValue(res), true);
      return;
    }
    const provider = entry.clientId !== undefined ? caller.sessions.get(entry.clientId) : undefined;
    if (!provider) throw new GraphError(`Service ${name} does not exist`);
    const fid = `service_request:${name}:${++forwardCounter}`;
    const { values, result } = await new Promise<{ values: unknown; result: boolean }>((resolve) => {
      provider.pendingCalls.set(fid, (values, result) => resolve({ values, result }));
      provider.sendJson({ op: 'call_service', id: fid, service: name, args });
    });
    reply(values, result);
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    const kind = e instanceof GraphError ? 'InvalidServiceException' : e.name;
    caller.error(`call_service ${kind}: ${e.message}`, id);
    reply(e.message, false);
  }
}
