import { describe, expect, it } from 'vitest';
import type { ClientMessage } from '@cellkit/bridge/protocol';
import { ManualTimers } from '../data/testing.ts';
import { JogController, type JogLimits } from './JogController.ts';

const limits: JogLimits = { joints: 6, maxJointVelocity: [1, 1, 1, 2, 2, 2], maxTcpSpeed: 0.2, maxAngularSpeed: 0.5, deadmanTimeout: 0.1 };

function setup(sendOk = () => true) {
  const timers = new ManualTimers();
  const sent: { at: number; msg: ClientMessage }[] = [];
  const jog = new JogController({
    send: (msg) => {
      sent.push({ at: timers.now, msg });
      return sendOk();
    },
    timers,
  });
  jog.configure(limits);
  jog.setEnabled(true);
  return { timers, sent, jog };
}

describe('JogController', () => {
  it('sends frames at a steady rate while held and one zero frame on release', () => {
    const { timers, sent, jog } = setup();
    jog.setSpeed(0.5);
    jog.press('btn', 1, 1);
    timers.advance(330);
    jog.release('btn');
    timers.advance(1000);
    expect(sent.length).toBe(1 + 10 + 1);
    const moving = sent.slice(0, -1).map((s) => s.msg);
    for (const m of moving) expect(m).toEqual({ op: 'teleop.joints', velocities: [0, 0.5, 0, 0, 0, 0] });
    expect(sent[sent.length - 1].msg).toEqual({ op: 'teleop.joints', velocities: [0, 0, 0, 0, 0, 0] });
    const gaps = sent.slice(1, -1).map((s, i) => s.at - sent[i].at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(33);
    expect(jog.moving).toBe(false);
  });

  it('paces frames well inside the deadman window', () => {
    const { timers, sent, jog } = setup();
    jog.configure({ ...limits, deadmanTimeout: 0.06 });
    jog.setEnabled(true);
    jog.press('k', 0, -1);
    timers.advance(200);
    const gaps = sent.slice(1).map((s, i) => s.at - sent[i].at);
    expect(Math.max(...gaps)).toBeLessThanOrEqual(20);
  });

  it('combines inputs per axis, clamped to full speed', () => {
    const { sent, jog } = setup();
    jog.setSpeed(1);
    jog.press('a', 3, 1);
    jog.press('b', 3, 1);
    jog.press('c', 0, -0.5);
    expect(sent[sent.length - 1].msg).toEqual({ op: 'teleop.joints', velocities: [-0.5, 0, 0, 2, 0, 0] });
    jog.release('a');
    expect(sent[sent.length - 1].msg).toEqual({ op: 'teleop.joints', velocities: [-0.5, 0, 0, 2, 0, 0] });
    jog.releaseAll();
    expect(sent[sent.length - 1].msg).toEqual({ op: 'teleop.joints', velocities: [0, 0, 0, 0, 0, 0] });
  });

  it('sends Cartesian twists in the chosen frame, scaled by the TCP limits', () => {
    const { sent, jog } = setup();
    jog.setMode('cartesian');
    jog.setFrame('tool');
    jog.setSpeed(0.5);
    jog.press('k', 2, 1);
    jog.press('j', 5, -1);
    expect(sent[sent.length - 1].msg).toEqual({ op: 'teleop.twist', linear: [0, 0, 0.1], angular: [0, 0, -0.25], frame: 'tool' });
  });

  it('lets go and sends zero when the mode changes or it is disabled, and ignores input while disabled', () => {
    const { timers, sent, jog } = setup();
    jog.press('k', 0, 1);
    jog.setMode('cartesian');
    expect(sent[sent.length - 1].msg).toEqual({ op: 'teleop.joints', velocities: [0, 0, 0, 0, 0, 0] });
    jog.press('k', 0, 1);
    jog.setEnabled(false);
    expect(sent[sent.length - 1].msg).toMatchObject({ op: 'teleop.twist', linear: [0, 0, 0] });
    const n = sent.length;
    jog.press('k', 0, 1);
    timers.advance(500);
    expect(sent.length).toBe(n);
  });

  it('stops sending when the link drops instead of retrying', () => {
    let ok = true;
    const { timers, sent, jog } = setup(() => ok);
    jog.press('k', 0, 1);
    timers.advance(100);
    ok = false;
    timers.advance(100);
    const n = sent.length;
    timers.advance(1000);
    expect(sent.length).toBe(n);
    expect(jog.moving).toBe(false);
  });
});
