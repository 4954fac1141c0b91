// The snapshot blob: gzip-compressed NDJSON, a header line and then one item a line. It is
// written and read as a stream, so memory does not grow with the inventory.

export const SNAPSHOT_FORMAT = "inventory-manager-snapshot";
export const SNAPSHOT_FORMAT_VERSION = 1;

export interface SnapshotHeader {
  format: typeof SNAPSHOT_FORMAT;
  version: number;
  snapshot_id: string;
  company_id: string;
  created_at: string;
  item_count: number;
}

/** R2 multipart parts must be at least 5 MiB (all but the last). */
const PART_BYTES = 5 * 1024 * 1024;

function toHex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Writes `header` and the items of `pages` to R2 under `key` as gzip NDJSON, through a
 * compression stream and a multipart upload: at most one part (5 MiB) is held in memory. Answers
 * the blob's size, SHA-256 and the number of item lines.
 */
export async function writeSnapshotBlob(
  bucket: R2Bucket,
  key: string,
  header: SnapshotHeader,
  pages: AsyncIterable<object[]>,
): Promise<{ sizeBytes: number; sha256: string; itemCount: number }> {
  const gzip = new CompressionStream("gzip");
  const encoder = new TextEncoder();
  let itemCount = 0;

  const produce = (async () => {
    const writer = gzip.writable.getWriter();
    try {
      await writer.write(encoder.encode(`${JSON.stringify(header)}\n`));
      for await (const page of pages) {
        if (page.length === 0) continue;
        itemCount += page.length;
        await writer.write(encoder.encode(`${page.map((item) => JSON.stringify(item)).join("\n")}\n`));
      }
      await writer.close();
    } catch (error) {
      await writer.abort(error);
      throw error;
    }
  })();

  const upload = await bucket.createMultipartUpload(key, {
    httpMetadata: { contentType: "application/gzip" },
  });
  const digest = new crypto.DigestStream("SHA-256");
  const digestWriter = digest.getWriter();
  const parts: R2UploadedPart[] = [];
  let pending: Uint8Array[] = [];
  let pendingBytes = 0;
  let sizeBytes = 0;
  const flush = async () => {
    const part = new Uint8Array(pendingBytes);
    let offset = 0;
    for (const chunk of pending) {
      part.set(chunk, offset);
      offset += chunk.byteLength;
    }
    parts.push(await upload.uploadPart(parts.length + 1, part));
    pending = [];
    pendingBytes = 0;
  };

  try {
    for await (const chunk of gzip.readable) {
      await digestWriter.write(chunk);
      pending.push(chunk);
      pendingBytes += chunk.byteLength;
      sizeBytes += chunk.byteLength;
      if (pendingBytes >= PART_BYTES) await flush();
    }
    await produce;
    if (pendingBytes > 0 || parts.length === 0) await flush();
    await upload.complete(parts);
  } catch (error) {
    await upload.abort().catch(() => {});
    await produce.catch(() => {});
    throw error;
  }
  await digestWriter.close();
  return { sizeBytes, sha256: toHex(await digest.digest), itemCount };
}

/** True when the stored blob's SHA-256 is `sha256` (the blob is read as a stream). */
export async function blobMatches(bucket: R2Bucket, key: string, sha256: string): Promise<boolean> {
  const object = await bucket.get(key);
  if (!object) return false;
  const digest = new crypto.DigestStream("SHA-256");
  await object.body.pipeTo(digest);
  return toHex(await digest.digest) === sha256;
}

/**
 * The blob's lines, parsed: the header first, then the items. `skipItems` item lines after the
 * header are passed over without being parsed (a restore step that continues where the last one
 * ended: it still decompresses them, which is cheap, but does not parse them).
 */
export async function* readSnapshotBlob(
  bucket: R2Bucket,
  key: string,
  skipItems = 0,
): AsyncGenerator<Record<string, unknown>> {
  const object = await bucket.get(key);
  if (!object) throw new Error(`snapshot blob ${key} is missing`);
  const text = object.body.pipeThrough(new DecompressionStream("gzip")).pipeThrough(new TextDecoderStream());
  let buffer = "";
  let lines = 0;
  for await (const chunk of text) {
    buffer += chunk;
    let start = 0;
    let end: number;
    while ((end = buffer.indexOf("\n", start)) >= 0) {
      if (end > start && (lines++ === 0 || lines > skipItems + 1)) {
        yield JSON.parse(buffer.slice(start, end)) as Record<string, unknown>;
      }
      start = end + 1;
    }
    buffer = buffer.slice(start);
  }
  if (buffer.trim() && (lines++ === 0 || lines > skipItems + 1)) yield JSON.parse(buffer) as Record<string, unknown>;
}
