import { parquetReadObjects } from 'hyparquet';
import { parquetWriteBuffer } from 'hyparquet-writer';

/**
 * Typed columns → one parquet file, with the schemas pyarrow writes for what
 * LeRobot stores (HF `datasets` features): scalars, `list<…>` for Sequence
 * features (3-level LIST, `element` leaves), and `struct<bytes, path>` for
 * Image features. The `huggingface` key-value metadata carries the HF feature
 * types, as `datasets` writes it, so tools can read the files without info.json.
 */
export type ColumnKind = 'int64' | 'float32' | 'float64' | 'string' | 'list<float32>' | 'list<float64>' | 'list<string>' | 'image';

export type Column = { name: string; kind: ColumnKind; data: unknown[]; length?: number };

type SchemaElement = Record<string, unknown>;

const LEAF: Record<string, SchemaElement> = {
  int64: { type: 'INT64' },
  float32: { type: 'FLOAT' },
  float64: { type: 'DOUBLE' },
  string: { type: 'BYTE_ARRAY', converted_type: 'UTF8' },
};

function schemaFor(column: Column): SchemaElement[] {
  const { name, kind } = column;
  if (kind === 'image') {
    return [
      { name, repetition_type: 'OPTIONAL', num_children: 2 },
      { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
      { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ];
  }
  const list = /^list<(\w+)>$/.exec(kind);
  if (list) {
    return [
      { name, repetition_type: 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
      { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
      { name: 'element', repetition_type: 'OPTIONAL', ...LEAF[list[1]!] },
    ];
  }
  return [{ name, repetition_type: 'OPTIONAL', ...LEAF[kind] }];
}

function hfFeature(column: Column): unknown {
  if (column.kind === 'image') return { _type: 'Image' };
  const list = /^list<(\w+)>$/.exec(column.kind);
  if (list) {
    const feature = { dtype: list[1], _type: 'Value' };
    return column.length === undefined ? { feature, _type: 'Sequence' } : { feature, length: column.length, _type: 'Sequence' };
  }
  return { dtype: column.kind, _type: 'Value' };
}

/** Encodes columns (all the same length) as a parquet file. */
export function writeTable(columns: Column[], options: { kvMetadata?: { key: string; value: string }[] } = {}): Uint8Array {
  const rows = columns[0]?.data.length ?? 0;
  for (const c of columns) {
    if (c.data.length !== rows) throw new Error(`Column ${c.name} has ${c.data.length} rows, expected ${rows} like ${columns[0]!.name}`);
  }
  const schema: SchemaElement[] = [{ name: 'schema', num_children: columns.length }, ...columns.flatMap(schemaFor)];
  const features = Object.fromEntries(columns.map((c) => [c.name, hfFeature(c)]));
  const buffer = parquetWriteBuffer({
    columnData: columns.map((c) => ({
      name: c.name,
      data: c.kind === 'int64' ? c.data.map((v) => BigInt(v as number)) : c.data,
    })),
    schema: schema as never,
    kvMetadata: [{ key: 'huggingface', value: JSON.stringify({ info: { features } }) }, ...(options.kvMetadata ?? [])],
    createdBy: 'cellkit',
  });
  return new Uint8Array(buffer);
}

/** Every row of a parquet file as an object (int64 as bigint, lists as arrays). */
export async function readTable(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
  return (await parquetReadObjects({ file, utf8: false })) as Record<string, unknown>[];
}

/**
 * `meta/tasks.parquet` as pandas writes `DataFrame({task_index}, index=Index(tasks, name="task"))`:
 * a `task_index` column, the `task` index column last, and the `pandas`
 * metadata that makes `pd.read_parquet` restore `task` as the index.
 */
export function writeTasksTable(tasks: string[]): Uint8Array {
  const pandas = {
    index_columns: ['task'],
    column_indexes: [{ name: null, field_name: null, pandas_type: 'unicode', numpy_type: 'object', metadata: { encoding: 'UTF-8' } }],
    columns: [
      { name: 'task_index', field_name: 'task_index', pandas_type: 'int64', numpy_type: 'int64', metadata: null },
      { name: 'task', field_name: 'task', pandas_type: 'unicode', numpy_type: 'object', metadata: null },
    ],
    creator: { library: 'cellkit', version: '0.1.0' },
    pandas_version: '2.2.3',
  };
  return writeTable(
    [
      { name: 'task_index', kind: 'int64', data: tasks.map((_, i) => i) },
      { name: 'task', kind: 'string', data: tasks },
    ],
    { kvMetadata: [{ key: 'pandas', value: JSON.stringify(pandas) }] },
  );
}
