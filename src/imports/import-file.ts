// Reading an import's file from R2: its header (BOM taken off, the separator found), then its rows
// from any record's byte offset, each with its row number and what it holds.
import { decodeRecord, detectDelimiter, isBlankRecord, parseRecord, RecordSplitter, startsWithBom, streamRecords } from "../lib/csv.ts";
import { readHeader, rowFields, type ImportError, type ImportFields, type ImportHeader } from "../domain/imports.ts";

export interface FileHeader {
  header: ImportHeader;
  delimiter: "," | ";";
  /** Byte offset of the first data row. */
  end: number;
}

const NOT_UTF8 = "This row is not UTF-8 text: save the file as \"CSV UTF-8\".";

/** The file's header row, or its errors. */
export async function readFileHeader(bucket: R2Bucket, key: string): Promise<FileHeader | { errors: ImportError[] }> {
  const object = await bucket.get(key);
  if (!object) return { errors: [{ row: 1, column: null, message: "The uploaded file is no longer stored; upload it again." }] };
  const splitter = new RecordSplitter();
  let record = null;
  const reader = object.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) {
      record = splitter.end().record;
      break;
    }
    const records = splitter.push(value);
    if (records.length > 0) {
      record = records[0]!;
      await reader.cancel().catch(() => {});
      break;
    }
  }
  if (!record) return { errors: [{ row: 1, column: null, message: "The file is empty: it needs a header row, then one item a row." }] };
  const bytes = startsWithBom(record.bytes) ? record.bytes.subarray(3) : record.bytes;
  const text = decodeRecord(bytes);
  if (text === null) return { errors: [{ row: 1, column: null, message: NOT_UTF8 }] };
  const delimiter = detectDelimiter(text);
  const parsed = parseRecord(text, delimiter);
  if ("error" in parsed) return { errors: [{ row: 1, column: null, message: parsed.error }] };
  const read = readHeader(parsed.cells);
  if ("errors" in read) return read;
  return { header: read.header, delimiter, end: record.end };
}

/** Rows read between two turns of the event loop. */
const YIELD_EVERY = 500;

/** A data row: its number (row 1 is the header), where the next one starts, and its fields or its error. */
export type FileRow = { row: number; end: number } & ({ fields: ImportFields } | { error: ImportError });

/**
 * The data rows from byte `offset` (a record's start), numbered from `row`; blank rows are passed
 * over (they keep their number, as in a spreadsheet).
 */
export async function* fileRows(bucket: R2Bucket, key: string, header: FileHeader, offset: number, row: number): AsyncGenerator<FileRow> {
  const object = await bucket.get(key, { range: { offset } });
  if (!object) throw new Error(`The import file ${key} is missing.`);
  for await (const record of streamRecords(object.body, offset)) {
    // A pass over a large file is otherwise one long run of microtasks: every YIELD_EVERY rows the
    // event loop gets its turn, so that the isolate's other requests (locally, the API's own
    // requests share it with this Durable Object) are answered while the pass goes on.
    if (row % YIELD_EVERY === 0) await new Promise((resolve) => setTimeout(resolve, 0));
    const number = row++;
    const text = decodeRecord(record.bytes);
    if (text === null) {
      yield { row: number, end: record.end, error: { row: number, column: null, message: NOT_UTF8 } };
      continue;
    }
    if (isBlankRecord(text)) continue;
    const parsed = parseRecord(text, header.delimiter);
    if ("error" in parsed) {
      yield { row: number, end: record.end, error: { row: number, column: null, message: parsed.error } };
      continue;
    }
    const fields = rowFields(parsed.cells, header.header, number);
    yield "error" in fields ? { row: number, end: record.end, error: fields.error } : { row: number, end: record.end, fields: fields.fields };
  }
}
