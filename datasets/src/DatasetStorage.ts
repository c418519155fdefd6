import type { McapTypes } from '@mcap/core';

import type { EpisodeWritable } from './EpisodeWriter.ts';

/**
 * The file operations a Dataset needs, on paths relative to the dataset root
 * with `/` separators. The node adapter is `NodeDatasetStorage`; tests may use
 * it on a temp dir. Every metadata write goes through `writeTextAtomic`, so a
 * crash leaves either the old or the new file, never a torn one.
 */
export interface DatasetStorage {
  /** The file's text, or undefined if it does not exist. */
  readText(path: string): Promise<string | undefined>;
  /** Write to a temp file in the same folder, fsync it, rename over `path`, fsync the folder. */
  writeTextAtomic(path: string, text: string): Promise<void>;
  /** Entry names in a folder; [] if the folder does not exist. */
  list(dir: string): Promise<string[]>;
  mkdir(dir: string): Promise<void>;
  exists(path: string): Promise<boolean>;
  /** Rename; fails if `to` exists. */
  move(from: string, to: string): Promise<void>;
  /** Delete a file this package created as scratch (never an episode). */
  removeScratch(path: string): Promise<void>;
  /** A new, empty file for an episode; fails if it exists. */
  createWritable(path: string): Promise<EpisodeWritable & { close(): Promise<void> }>;
  openReadable(path: string): Promise<McapTypes.IReadable & { close(): Promise<void> }>;
}

/** Parent folder of a relative path (`episodes/000000.mcap` → `episodes`). */
export function dirOf(path: string): string {
  const cut = path.lastIndexOf('/');
  return cut < 0 ? '' : path.slice(0, cut);
}

/** `a/b.mcap` → `b.mcap`. */
export function baseOf(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}
