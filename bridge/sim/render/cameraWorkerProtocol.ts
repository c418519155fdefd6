/** Messages between `CameraRig` (main thread) and `cameraWorker.ts`. */

export interface CameraSpec {
  /** Name of an MJCF `<camera>`. */
  name: string;
  width: number;
  height: number;
}

/** `workerData` of the camera worker. */
export interface CameraWorkerInit {
  xml: string;
  cameras: CameraSpec[];
  jpegQuality: number;
  shadows: boolean;
}

/** Main → worker: render every camera at this state. */
export interface RenderRequest {
  op: 'render';
  id: number;
  qpos: Float64Array;
  mocapPos?: Float64Array;
  mocapQuat?: Float64Array;
}

export interface CameraFrame {
  name: string;
  width: number;
  height: number;
  /** A complete JPEG file. Owns its ArrayBuffer (transferred from the worker). */
  jpeg: Uint8Array;
  /** Wall time of ray casting + shading + JPEG encoding for this camera, in ms. */
  renderMs: number;
}

/** Worker → main. */
export type CameraWorkerReply =
  | { op: 'ready'; nq: number; nmocap: number }
  | { op: 'initFailed'; message: string }
  | { op: 'frames'; id: number; frames: CameraFrame[] }
  | { op: 'renderFailed'; id: number; message: string };
