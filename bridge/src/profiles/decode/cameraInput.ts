import type { CellInput } from '../RobotProfile.ts';
import { decodeBytes } from './decodeBytes.ts';
import { headerStamp } from './rosTime.ts';

/** sensor_msgs/CompressedImage (JPEG) → CameraFrame; `data` is base64 in JSON, bytes in CBOR. */
export function cameraInput(camera: string, topic: string, msg: unknown, receivedAt: number): CellInput {
  const m = msg as { format?: unknown; data?: unknown } | undefined;
  const data = decodeBytes(m?.data);
  const format = typeof m?.format === 'string' ? m.format.toLowerCase() : '';
  if (!data || !format.includes('jpeg')) {
    return {
      kind: 'problem',
      problem: {
        severity: 'warn',
        message: `${topic}: expected a JPEG CompressedImage, found format ${JSON.stringify(m?.format)} with ${data ? `${data.length} bytes` : 'no data'}`,
        tip: 'Publish JPEG (image_transport "compressed" with jpeg format) for this camera.',
      },
    };
  }
  return { kind: 'camera', frame: { camera, stamp: headerStamp(msg, receivedAt), receivedAt, format: 'jpeg', data } };
}
