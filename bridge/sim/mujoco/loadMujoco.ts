import loadMujocoModule from 'mujoco-js';
import type { MainModule } from 'mujoco-js';

export type Mujoco = MainModule;

let loading: Promise<Mujoco> | undefined;

/**
 * The MuJoCo WASM module, loaded once per thread (it is ~11 MB and takes
 * ~100 ms to instantiate). Its in-memory file system gets a `/cellkit` folder
 * that model XML is written into before `MjModel.loadFromXML`.
 */
export function loadMujoco(): Promise<Mujoco> {
  loading ??= (async () => {
    const mujoco = (await loadMujocoModule()) as Mujoco;
    const fs = (mujoco as unknown as { FS: { mkdir(p: string): void } }).FS;
    fs.mkdir('/cellkit');
    return mujoco;
  })();
  return loading;
}

let modelCounter = 0;

/** Compile an MJCF string into a model. Throws with MuJoCo's own message on bad XML. */
export async function loadModelFromXml(xml: string) {
  const mujoco = await loadMujoco();
  const fs = (mujoco as unknown as { FS: { writeFile(p: string, d: string): void; unlink(p: string): void } }).FS;
  const path = `/cellkit/model-${modelCounter++}.xml`;
  fs.writeFile(path, xml);
  try {
    const model = mujoco.MjModel.loadFromXML(path);
    if (!model) throw new Error('MuJoCo returned no model for the cell XML; check the MJCF for errors.');
    return { mujoco, model };
  } finally {
    fs.unlink(path);
  }
}
