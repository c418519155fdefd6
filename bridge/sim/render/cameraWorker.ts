// The camera worker: its own MuJoCo instance and a copy of the cell model, so
// ray casting and JPEG encoding never block the physics thread. It only does
// kinematics (no dynamics): the main thread sends the state, we pose and render.
import { parentPort, workerData } from 'node:worker_threads';
import { loadModelFromXml } from '../mujoco/loadMujoco.ts';
import { RayCastCamera } from './RayCastCamera.ts';
import { encodeJpeg } from './encodeJpeg.ts';
import type { CameraFrame, CameraWorkerInit, CameraWorkerReply, RenderRequest } from './cameraWorkerProtocol.ts';

const port = parentPort;
if (!port) throw new Error('cameraWorker.ts must run as a worker_threads Worker (started by CameraRig).');

function reply(message: CameraWorkerReply, transfer: ArrayBuffer[] = []): void {
  port!.postMessage(message, transfer);
}

async function start(init: CameraWorkerInit): Promise<void> {
  const { mujoco, model } = await loadModelFromXml(init.xml);
  const data = new mujoco.MjData(model);
  const cameras = init.cameras.map(
    (spec) => new RayCastCamera({ mujoco, model, camera: spec.name, width: spec.width, height: spec.height, shadows: init.shadows }),
  );
  const { nq, nmocap } = model;

  function render(request: RenderRequest): CameraFrame[] {
    const { qpos, mocapPos, mocapQuat } = request;
    if (qpos.length !== nq) {
      throw new Error(`expected qpos of length nq=${nq} for this model, found ${qpos.length}; send the full data.qpos.`);
    }
    if (mocapPos && mocapPos.length !== 3 * nmocap) {
      throw new Error(`expected mocapPos of length 3*nmocap=${3 * nmocap}, found ${mocapPos.length}.`);
    }
    if (mocapQuat && mocapQuat.length !== 4 * nmocap) {
      throw new Error(`expected mocapQuat of length 4*nmocap=${4 * nmocap}, found ${mocapQuat.length}.`);
    }
    (data.qpos as Float64Array).set(qpos);
    if (mocapPos) (data.mocap_pos as Float64Array).set(mocapPos);
    if (mocapQuat) (data.mocap_quat as Float64Array).set(mocapQuat);
    // The subset of mj_forward that poses bodies, geoms and cameras (camera
    // modes like trackcom need the centre-of-mass positions from mj_comPos).
    mujoco.mj_kinematics(model, data);
    mujoco.mj_comPos(model, data);
    mujoco.mj_camlight(model, data);
    return cameras.map((camera) => {
      const t0 = performance.now();
      const jpeg = encodeJpeg(camera.render(data), camera.width, camera.height, init.jpegQuality);
      return { name: camera.camera, width: camera.width, height: camera.height, jpeg, renderMs: performance.now() - t0 };
    });
  }

  port!.on('message', (request: RenderRequest) => {
    if (request.op !== 'render') return;
    let frames: CameraFrame[];
    try {
      frames = render(request);
    } catch (err) {
      reply({ op: 'renderFailed', id: request.id, message: (err as Error).message });
      return;
    }
    reply({ op: 'frames', id: request.id, frames }, frames.map((f) => f.jpeg.buffer as ArrayBuffer));
  });
  reply({ op: 'ready', nq, nmocap });
}

start(workerData as CameraWorkerInit).catch((err: unknown) => {
  reply({ op: 'initFailed', message: err instanceof Error ? err.message : String(err) });
});
