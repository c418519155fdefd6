// LeRobot dataset format v3.0: export and import (see lerobotFormat.ts).
export * from './lerobotFormat.ts';
export { exportLerobot } from './exportLerobot.ts';
export type { ExportLerobotOptions, ExportLerobotResult } from './exportLerobot.ts';
export { cellkitInfoFor, importLerobot, readLerobotInfo } from './importLerobot.ts';
export type { ImportLerobotOptions } from './importLerobot.ts';
export { readTable, writeTable, writeTasksTable } from './parquetTable.ts';
export type { Column, ColumnKind } from './parquetTable.ts';
export { FFMPEG_MISSING_TIP, FfmpegVideo } from './node/FfmpegVideo.ts';
export type { FfmpegVideoOptions } from './node/FfmpegVideo.ts';
export { NodeLerobotFiles } from './node/NodeLerobotFiles.ts';
export { exportLerobotDir, importLerobotDir } from './node/lerobotDir.ts';
