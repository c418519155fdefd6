import { describe, expect, it } from 'vitest';
import { DatasetsApi } from './DatasetsApi.ts';
import type { DatasetSummary, EpisodeSummary } from './DatasetsApi.ts';
import { DatasetsModel } from './DatasetsModel.ts';

const dataset: DatasetSummary = {
  name: 'pick-cube', robot: 'ur', episodes: 2, duration: 5, tasks: ['pick'], features: [], cameras: ['scene'],
  outcomes: { success: 1, failure: 0, discard: 0, unlabeled: 1 }, createdAt: 0,
};
const episode = (index: number, outcome: EpisodeSummary['outcome']): EpisodeSummary => ({
  index, task: 'pick', outcome, status: 'complete', operator: 'ana', notes: '', startTime: 0, endTime: 2.5, duration: 2.5, cameras: ['scene'], messages: 10, badges: [], excluded: [],
});

/** A bridge in a function: answers by method and path, records the calls. */
function fakeBridge(routes: Record<string, (body: unknown) => { status?: number; json: unknown }>) {
  const calls: string[] = [];
  const fetchFn = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const key = `${init?.method ?? 'GET'} ${String(input)}`;
    calls.push(key);
    const route = routes[key];
    if (!route) return new Response(JSON.stringify({ statusCode: 404, code: 'not_found', error: 'Not Found', message: `no route ${key}` }), { status: 404 });
    const { status, json } = route(init?.body ? JSON.parse(String(init.body)) : undefined);
    return new Response(JSON.stringify(json), { status: status ?? 200 });
  }) as typeof fetch;
  return { calls, api: new DatasetsApi({ fetch: fetchFn }) };
}

const now = (cb: () => void) => cb();

describe('DatasetsModel', () => {
  it('opens the only dataset by itself and lists its episodes', async () => {
    const { api } = fakeBridge({
      'GET /api/datasets': () => ({ json: { datasets: [dataset], problems: [] } }),
      'GET /api/datasets/pick-cube/episodes': () => ({ json: { dataset, episodes: [episode(0, 'success'), episode(1, null)] } }),
    });
    const model = new DatasetsModel({ api, schedule: now });
    await model.refresh();
    expect(model.state.selected).toBe('pick-cube');
    expect(model.state.episodes!.map((e) => e.index)).toEqual([0, 1]);
    expect(model.state.problem).toBeNull();
  });

  it("turns the bridge's coded error into a problem with its tip", async () => {
    const { api } = fakeBridge({
      'GET /api/datasets': () => ({ json: { datasets: [dataset], problems: [] } }),
      'GET /api/datasets/pick-cube/episodes': () => ({ json: { dataset, episodes: [episode(0, 'success')] } }),
      'PATCH /api/datasets/pick-cube/episodes/0': () => ({ status: 403, json: { statusCode: 403, code: 'forbidden', error: 'Forbidden', message: 'role viewer may not change datasets', tip: 'ask an operator' } }),
    });
    const model = new DatasetsModel({ api, schedule: now });
    await model.refresh();
    expect(await model.relabel(0, { outcome: 'failure' })).toBe(false);
    expect(model.state.problem).toMatchObject({ code: 'forbidden', severity: 'warning', message: 'Could not save episode 0: role viewer may not change datasets', tip: 'ask an operator' });
    expect(model.state.episodes![0]!.outcome).toBe('success');
  });

  it('closes the replay of an episode moved to the trash and says where it went', async () => {
    let episodes = [episode(0, 'success'), episode(1, null)];
    const { api } = fakeBridge({
      'GET /api/datasets': () => ({ json: { datasets: [dataset], problems: [] } }),
      'GET /api/datasets/pick-cube/episodes': () => ({ json: { dataset, episodes } }),
      'GET /api/datasets/pick-cube/episodes/1/replay?rate=30': () => ({ json: { dataset: 'pick-cube', episode: episodes[1], rate: 30, start: 0, duration: 2.5, t: [], series: [], cameras: [], events: [] } }),
      'DELETE /api/datasets/pick-cube/episodes/1': () => {
        episodes = episodes.slice(0, 1);
        return { json: { index: 1, movedToTrash: true, trashPath: '.trash/000001-1', message: 'Episode 1 moved to the trash' } };
      },
    });
    const model = new DatasetsModel({ api, schedule: now });
    await model.refresh();
    await model.selectEpisode(1);
    expect(model.state.replay?.episode.index).toBe(1);
    expect(await model.remove(1)).toBe(true);
    expect(model.state).toMatchObject({ episode: null, replay: null, notice: 'Episode 1 moved to the trash' });
    expect(model.state.episodes!.map((e) => e.index)).toEqual([0]);
  });

  it('says the bridge cannot be reached when fetch itself fails', async () => {
    const api = new DatasetsApi({ fetch: (async () => { throw new TypeError('Failed to fetch'); }) as typeof fetch });
    const model = new DatasetsModel({ api, schedule: now });
    await model.refresh();
    expect(model.state.datasets).toEqual([]);
    expect(model.state.problem).toMatchObject({ code: 'unreachable', severity: 'error' });
    expect(model.state.problem!.tip).toMatch(/bridge is running/);
  });
});
