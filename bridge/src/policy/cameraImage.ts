/**
 * A camera frame as a policy input: the cell's JPEG decoded and resized to the
 * bundle's H×W×3 RGB bytes with the SAME functions the dataset reader uses
 * when it prepares training frames (area averaging when shrinking) — a
 * different resize at deployment is a train/serve skew the policy never saw.
 * Done only for the latest frame of each camera, at the policy's step.
 */
import { decodeJpegRgb, resizeRgb } from '@cellkit/datasets/core';

export function jpegToRgb(data: Uint8Array, height: number, width: number): Uint8Array {
  const out = new Uint8Array(height * width * 3);
  resizeRgb(decodeJpegRgb(data), width, height, out);
  return out;
}
