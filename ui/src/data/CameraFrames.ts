/**
 * The latest JPEG of each camera, replaced as frames arrive. Camera panels
 * poll `seq` on animation frames and decode only the newest frame: frames
 * that arrive while one is decoding are skipped, never queued.
 */
export interface LatestFrame {
  data: Uint8Array;
  /** s, the source's stamp. */
  stamp: number;
  /** Counts frames received for this camera. */
  seq: number;
}

export class CameraFrames {
  private readonly frames = new Map<string, LatestFrame>();

  put(camera: string, stamp: number, data: Uint8Array): void {
    const prev = this.frames.get(camera);
    this.frames.set(camera, { data, stamp, seq: (prev?.seq ?? 0) + 1 });
  }

  get(camera: string): LatestFrame | undefined {
    return this.frames.get(camera);
  }

  clear(): void {
    this.frames.clear();
  }
}
