import { describe, expect, it } from 'vitest';
import { loadModelFromXml } from './loadMujoco.ts';

describe('loadModelFromXml', () => {
  it('compiles MJCF and steps physics', async () => {
    const { mujoco, model } = await loadModelFromXml(
      `<mujoco><option timestep="0.002"/><worldbody><geom type="plane" size="1 1 .1"/>
       <body pos="0 0 .5"><freejoint/><geom type="box" size=".05 .05 .05"/></body></worldbody></mujoco>`,
    );
    const data = new mujoco.MjData(model);
    for (let i = 0; i < 500; i++) mujoco.mj_step(model, data);
    // The box fell from 0.5 m and rests on the floor at its half-height.
    expect(data.qpos[2]).toBeCloseTo(0.05, 2);
    data.delete();
    model.delete();
  });

  it('reports bad XML with MuJoCo’s message', async () => {
    await expect(loadModelFromXml('<mujoco><worldbody><geom type="nope"/></worldbody></mujoco>')).rejects.toThrow();
  });
});
