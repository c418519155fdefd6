export { RayCastCamera, cameraNames, type RayCastCameraOptions } from './RayCastCamera.ts';
export { encodeJpeg } from './encodeJpeg.ts';
export { CameraRig, type CameraRigOptions, type CameraRigState } from './CameraRig.ts';
export type { CameraFrame, CameraSpec } from './cameraWorkerProtocol.ts';
