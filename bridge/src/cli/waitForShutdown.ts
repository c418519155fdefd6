/** Resolves on SIGINT or SIGTERM, so long-running commands close their servers cleanly. */
export function waitForShutdown(): Promise<string> {
  return new Promise((resolve) => {
    const on = (signal: string) => {
      process.off('SIGINT', on);
      process.off('SIGTERM', on);
      console.log(`\n${signal}: shutting down`);
      resolve(signal);
    };
    process.on('SIGINT', on);
    process.on('SIGTERM', on);
  });
}
