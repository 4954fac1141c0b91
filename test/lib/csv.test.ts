// The CSV reader and writer (RFC 4180) that exports and imports use.
import { describe, expect, it } from "vitest";
import {
  csvCell,
  csvLine,
  decodeRecord,
  detectDelimiter,
  escapeFormula,
  parseRecord,
  RecordCounter,
  RecordSplitter,
  streamRecords,
  unescapeFormula,
} from "../../src/lib/csv.ts";

const encode = (text: string) => new TextEncoder().encode(text);

function recordsOf(text: string, chunkSize: number) {
  const bytes = encode(text);
  const splitter = new RecordSplitter();
  const records = [];
  for (let i = 0; i < bytes.length; i += chunkSize) records.push(...splitter.push(bytes.subarray(i, i + chunkSize)));
  const last = splitter.end();
  if (last.record) records.push(last.record);
  return records.map((r) => ({ text: decodeRecord(r.bytes), start: r.start, end: r.end }));
}

describe("the writer", () => {
  it("quotes cells with separators, quotes and line ends, doubling quotes", () => {
    expect(csvLine(["a", 'say "hi"', "x,y", "two\nlines", "semi;colon", null, 12])).toBe(
      'a,"say ""hi""","x,y","two\nlines","semi;colon",,12\r\n',
    );
  });

  it.each([
    ["=SUM(A1)", "'=SUM(A1)"],
    ["+1", "'+1"],
    ["-A", "'-A"],
    ["@cmd", "'@cmd"],
    ["\tx", "'\tx"],
    ["\rx", "'\rx"],
    ["'=x", "''=x"],
    ["'plain", "'plain"],
    ["plain", "plain"],
  ])("escapes formula-like text %j as %j, and reading it gives it back", (value, escaped) => {
    expect(escapeFormula(value)).toBe(escaped);
    expect(unescapeFormula(escaped)).toBe(value);
  });

  it("writes numbers as numbers, negative ones unescaped", () => {
    expect(csvCell(-5)).toBe("-5");
    expect(csvCell("-5")).toBe("'-5");
  });
});

describe("the reader", () => {
  const file = 'sku,name\r\nA-1,"Bolt, 5 mm"\r\nB-2,"He said ""yes""\nand left"\nC-3,Ünïcødé 🚀';

  it.each([1, 2, 3, 7, 64, 4096])("splits records at line ends outside quotes, in chunks of %i bytes", (size) => {
    const records = recordsOf(file, size);
    expect(records.map((r) => r.text)).toEqual([
      "sku,name",
      'A-1,"Bolt, 5 mm"',
      'B-2,"He said ""yes""\nand left"',
      "C-3,Ünïcødé 🚀",
    ]);
    const bytes = encode(file);
    expect(records[0]!.start).toBe(0);
    for (let i = 1; i < records.length; i++) expect(records[i]!.start).toBe(records[i - 1]!.end);
    expect(records.at(-1)!.end).toBe(bytes.length);
  });

  it("parses cells: quoted, with doubled quotes, empty, and the last one", () => {
    expect(parseRecord('A-1,"Bolt, 5 mm",,"He said ""yes""\nand left",', ",")).toEqual({
      cells: ["A-1", "Bolt, 5 mm", "", 'He said "yes"\nand left', ""],
    });
    expect(parseRecord("a;b;c", ";")).toEqual({ cells: ["a", "b", "c"] });
  });

  it("says what is wrong with a broken quoted cell", () => {
    expect(parseRecord('a,"open', ",")).toEqual({ error: expect.stringContaining("not closed") });
    expect(parseRecord('a,"x"y', ",")).toEqual({ error: expect.stringContaining("closing quote") });
  });

  it("refuses bytes that are not UTF-8", () => {
    expect(decodeRecord(new Uint8Array([0x61, 0xff, 0x62]))).toBeNull();
  });

  it("takes ';' as the separator of a header with semicolons and no commas", () => {
    expect(detectDelimiter("sku;name;quantity")).toBe(";");
    expect(detectDelimiter("sku,name")).toBe(",");
    expect(detectDelimiter("sku")).toBe(",");
  });

  it("streams records from a given offset", async () => {
    const bytes = encode("x,y\nsecond\nthird");
    const stream = new Blob([bytes.subarray(4)]).stream();
    const records = [];
    for await (const record of streamRecords(stream, 4)) records.push([decodeRecord(record.bytes), record.start, record.end]);
    expect(records).toEqual([
      ["second", 4, 11],
      ["third", 11, 16],
    ]);
  });

  it("counts the records that are not blank, in any chunks, and an unclosed quote", () => {
    for (const size of [1, 5, 1000]) {
      const counter = new RecordCounter();
      const bytes = encode('sku,name\n1,"a\nb"\n\n,,,\n;;\n"",""\n2,c\n');
      for (let i = 0; i < bytes.length; i += size) counter.push(bytes.subarray(i, i + size));
      expect(counter.end()).toEqual({ count: 3, unclosedQuote: false });
    }
    const open = new RecordCounter();
    open.push(encode('sku\n"abc\n'));
    expect(open.end()).toEqual({ count: 2, unclosedQuote: true });
  });
});
