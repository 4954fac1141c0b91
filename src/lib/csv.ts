// CSV (RFC 4180) for exports and imports: a writer of lines, and a reader that works on bytes, so
// that every record's byte offsets in the file are known (an import's background steps resume at
// a record's offset with a ranged read of the file instead of reading it again from the start).
//
// Spreadsheets run a cell that starts with `=`, `+`, `-`, `@`, tab or CR as a formula. The writer
// writes such text cells with a leading `'` (and one more `'` before text that already starts with
// quotes followed by one of those), and `unescapeFormula` takes exactly one away again, so that
// export → import gives back the text exported. Numbers are written as numbers, never escaped.

const FORMULA = /^'*[=+\-@\t\r]/;
const ESCAPED_FORMULA = /^'+[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n;]/;

export type CsvValue = string | number | boolean | null | undefined;

/** A text cell as written: formula-like text behind a `'`. */
export function escapeFormula(value: string): string {
  return FORMULA.test(value) ? `'${value}` : value;
}

/** A cell as read: the `'` the writer put before formula-like text taken away. */
export function unescapeFormula(value: string): string {
  return ESCAPED_FORMULA.test(value) ? value.slice(1) : value;
}

/** One cell: numbers as they are, text escaped and quoted where it must be, null as empty. */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return "";
  if (typeof value !== "string") return String(value);
  const text = escapeFormula(value);
  return NEEDS_QUOTES.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** One line of cells, ended with CRLF. */
export function csvLine(values: readonly CsvValue[]): string {
  return `${values.map(csvCell).join(",")}\r\n`;
}

const QUOTE = 0x22;
const LF = 0x0a;
const CR = 0x0d;

/** One record of a file: its bytes (line end taken off) and where it starts and ends in the file. */
export interface RawRecord {
  bytes: Uint8Array;
  /** Byte offset of the record's first byte. */
  start: number;
  /** Byte offset just after its line end: where the next record starts. */
  end: number;
}

/**
 * Splits bytes into records at line ends outside quoted cells, across chunks. A quote toggles
 * "inside a quoted cell"; `""` inside one toggles twice, so it needs no special case.
 */
export class RecordSplitter {
  private pending = new Uint8Array(0);
  /** Offset in the file of `pending[0]`. */
  private offset: number;
  /** Where in `pending` the scan for the current record's end goes on. */
  private scanFrom = 0;
  private inQuotes = false;

  constructor(startOffset = 0) {
    this.offset = startOffset;
  }

  /** The records that `chunk` completes. */
  push(chunk: Uint8Array): RawRecord[] {
    let buffer: Uint8Array;
    if (this.pending.length === 0) buffer = chunk;
    else {
      buffer = new Uint8Array(this.pending.length + chunk.length);
      buffer.set(this.pending);
      buffer.set(chunk, this.pending.length);
    }
    const records: RawRecord[] = [];
    let recordStart = 0;
    let pos = this.scanFrom;
    let inQuotes = this.inQuotes;
    for (;;) {
      if (inQuotes) {
        const close = buffer.indexOf(QUOTE, pos);
        if (close === -1) {
          pos = buffer.length;
          break;
        }
        inQuotes = false;
        pos = close + 1;
        continue;
      }
      const newline = buffer.indexOf(LF, pos);
      const quote = buffer.indexOf(QUOTE, pos);
      if (quote !== -1 && (newline === -1 || quote < newline)) {
        inQuotes = true;
        pos = quote + 1;
        continue;
      }
      if (newline === -1) {
        pos = buffer.length;
        break;
      }
      const contentEnd = newline > recordStart && buffer[newline - 1] === CR ? newline - 1 : newline;
      records.push({
        bytes: buffer.subarray(recordStart, contentEnd),
        start: this.offset + recordStart,
        end: this.offset + newline + 1,
      });
      recordStart = newline + 1;
      pos = recordStart;
    }
    // Copied, so that the records answered keep their bytes when the caller's chunk is reused.
    this.pending = buffer.slice(recordStart);
    this.offset += recordStart;
    this.scanFrom = pos - recordStart;
    this.inQuotes = inQuotes;
    return records;
  }

  /** The last record (a file need not end with a line end), and whether a quoted cell was left open. */
  end(): { record: RawRecord | null; unclosedQuote: boolean } {
    const unclosedQuote = this.inQuotes;
    if (this.pending.length === 0) return { record: null, unclosedQuote };
    let length = this.pending.length;
    if (this.pending[length - 1] === CR) length -= 1;
    const record = { bytes: this.pending.subarray(0, length), start: this.offset, end: this.offset + this.pending.length };
    this.offset += this.pending.length;
    this.pending = new Uint8Array(0);
    return { record, unclosedQuote };
  }
}

/** A record with nothing in it but separators, quotes and spaces (a spreadsheet's empty row). */
export function isBlankRecord(text: string): boolean {
  return /^[\s,;"]*$/.test(text);
}

/** The cells of one record's text, or why it cannot be read. */
export function parseRecord(text: string, delimiter: string): { cells: string[] } | { error: string } {
  const cells: string[] = [];
  let pos = 0;
  for (;;) {
    if (text.charCodeAt(pos) === QUOTE) {
      let value = "";
      let from = pos + 1;
      for (;;) {
        const close = text.indexOf('"', from);
        if (close === -1) return { error: "A quoted cell is not closed: a cell that starts with '\"' must end with '\"'." };
        value += text.slice(from, close);
        if (text[close + 1] === '"') {
          value += '"';
          from = close + 2;
          continue;
        }
        pos = close + 1;
        break;
      }
      cells.push(value);
      if (pos === text.length) return { cells };
      if (text[pos] !== delimiter) {
        return { error: `Text follows a closing quote: inside a quoted cell, write a quote as '""'.` };
      }
      pos += 1;
    } else {
      const next = text.indexOf(delimiter, pos);
      if (next === -1) {
        cells.push(text.slice(pos));
        return { cells };
      }
      cells.push(text.slice(pos, next));
      pos = next + 1;
    }
  }
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** A record's bytes as text; null when they are not UTF-8. */
export function decodeRecord(bytes: Uint8Array): string | null {
  try {
    return utf8.decode(bytes);
  } catch {
    return null;
  }
}

/** The separator of a file, from its header line: `;` when it has semicolons and no commas. */
export function detectDelimiter(header: string): "," | ";" {
  return !header.includes(",") && header.includes(";") ? ";" : ",";
}

const BOM = [0xef, 0xbb, 0xbf];

/** Whether a file's first bytes are the UTF-8 byte order mark (Excel writes one). */
export function startsWithBom(bytes: Uint8Array): boolean {
  return bytes.length >= 3 && BOM.every((byte, i) => bytes[i] === byte);
}

/** The records of a byte stream, with their offsets (`startOffset`: where the stream starts in the file). */
export async function* streamRecords(stream: ReadableStream<Uint8Array>, startOffset = 0): AsyncGenerator<RawRecord> {
  const splitter = new RecordSplitter(startOffset);
  for await (const chunk of stream) yield* splitter.push(chunk);
  const { record } = splitter.end();
  if (record) yield record;
}

/** Bytes a blank record may consist of: space, tab, CR, quote, comma, semicolon. */
const BLANK_BYTES = new Set([0x20, 0x09, CR, QUOTE, 0x2c, 0x3b]);

/**
 * Counts the records of a file that are not blank, as bytes pass (an upload): the header is one.
 * Also tells whether the file ends inside a quoted cell.
 */
export class RecordCounter {
  private readonly splitter = new RecordSplitter();
  count = 0;

  push(chunk: Uint8Array): void {
    for (const record of this.splitter.push(chunk)) this.add(record);
  }

  end(): { count: number; unclosedQuote: boolean } {
    const { record, unclosedQuote } = this.splitter.end();
    if (record) this.add(record);
    return { count: this.count, unclosedQuote };
  }

  private add(record: RawRecord): void {
    const first = record.bytes[0];
    // Most rows start with a letter or digit: only the others are looked at whole.
    const plain = first !== undefined && !BLANK_BYTES.has(first);
    if (plain || !isBlankRecord(new TextDecoder().decode(record.bytes))) this.count += 1;
  }
}
