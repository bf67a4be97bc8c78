/** `Content-Range: bytes 0-65535/23000000` → the total size (23000000); undefined when absent, `*` or malformed. */
export function contentRangeSize(header: string | undefined | null): number | undefined {
  if (header === undefined || header === null) return undefined;
  const m = /^bytes\s+(?:\d+-\d+|\*)\/(\d+)\s*$/i.exec(header);
  if (m === null) return undefined;
  const size = Number(m[1]);
  return Number.isSafeInteger(size) ? size : undefined;
}
