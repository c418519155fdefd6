/** Bad selection or inconsistent data: the CLI prints the message and exits 2. */
export class DatasetSelectionError extends Error {
  override name = 'DatasetSelectionError';
}
