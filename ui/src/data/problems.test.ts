import { describe, expect, it } from 'vitest';
import type { ControlState, LinkStatus } from './cellState.ts';
import { derive } from './problems.ts';
import { welcome } from './testing.ts';

const open: LinkStatus = { state: 'open', attempts: 0, reconnects: 0, everOpen: true };
const control = (over: Partial<ControlState> = {}): ControlState => ({
  estopped: false,
  estop: undefined,
  gates: { estop: true, inputs: true, connection: true, safetyMode: true, force: true, lease: true },
  motion: 'no_command',
  leaseHolder: null,
  safetyMode: 1,
  lastOutput: null,
  ...over,
});

describe('problems', () => {
  it('has none when all is well', () => {
    expect(derive({ link: open, welcome: welcome(), control: control(), health: null })).toEqual([]);
  });

  it('says who latched the e-stop and what to do, first', () => {
    const p = derive({
      link: open,
      welcome: welcome(),
      control: control({ estopped: true, estop: { by: 'Ben [c7]', reason: 'Esc key', time: 1 }, gates: { estop: false, force: false }, safetyMode: 2 }),
      health: null,
    });
    expect(p.map((x) => x.id)).toEqual(['estop', 'gate:force', 'mode:2']);
    expect(p[0].message).toBe('E-STOP latched by Ben — the robot will not move');
    expect(p[0].tip).toMatch(/press Reset/);
  });

  it('tells a viewer to ask an operator, and that it can only watch', () => {
    const p = derive({ link: open, welcome: welcome({ role: 'viewer' }), control: control({ estopped: true }), health: null });
    expect(p[0].tip).toMatch(/ask an operator/);
    expect(p.at(-1)).toMatchObject({ id: 'role', severity: 'info' });
  });

  it('blames the robot link, not the network to the bridge, when the bridge lost the robot', () => {
    const p = derive({
      link: open,
      welcome: welcome(),
      control: control({ gates: { connection: false } }),
      health: { op: 'health', connection: { state: 'lost', url: 'ws://robot:9090', lastMessageAge: 5, reconnects: 2, since: 0, error: 'ECONNREFUSED' }, uptime: 1, clients: 1, serverTime: 0 },
    });
    expect(p.map((x) => x.id)).toEqual(['robot-link']);
    expect(p[0].tip).toContain('ws://robot:9090');
    expect(p[0].tip).toContain('ECONNREFUSED');
  });

  it('before the first connection says it is connecting, then that the cell cannot be reached', () => {
    expect(derive({ link: { state: 'connecting', attempts: 1, reconnects: 0, everOpen: false }, welcome: null, control: null, health: null })[0]).toMatchObject({ id: 'link-connecting', severity: 'info' });
    expect(derive({ link: { state: 'connecting', attempts: 4, reconnects: 0, everOpen: false }, welcome: null, control: null, health: null })[0]).toMatchObject({ severity: 'warning', message: 'Cannot reach the cell yet' });
  });
});
