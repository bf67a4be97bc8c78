/**
 * The body of one GET of an `http(s)://` URL, as the byte source of `import` / `export`.
 * A presigned query string never appears in a message: errors name the redacted URL.
 *
 * The chunks are read through a generator that holds the `Response` itself, not only its body
 * stream: Node's fetch (undici) cancels the body of a Response that is garbage-collected, and
 * the stream then ends early with no error — an import saw "the input is only 0 bytes" whenever
 * a collection ran between the GET and the first read (under load, in CI).
 */
import { redactUrl } from '../../api/location.js';
import { CantOpenError, IoError } from '../../errors.js';

export interface ByteSource {
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly size: number | undefined;
  close(): Promise<void>;
}

export async function openUrlSource(href: string): Promise<ByteSource> {
  const url = redactUrl(href);
  let response: Response;
  try {
    response = await fetch(href);
  } catch (err) {
    const code = (err as { cause?: { code?: unknown } }).cause?.code;
    throw new IoError(`cannot reach ${url}: ${typeof code === 'string' ? code : 'network error'}`);
  }
  if (!response.ok || response.body === null) {
    await response.body?.cancel().catch(() => undefined);
    if (response.status === 404 || response.status === 410) throw new CantOpenError(`unable to open ${url}: no such URL (HTTP ${response.status})`);
    if (response.status === 401 || response.status === 403) throw new CantOpenError(`unable to open ${url}: access denied (HTTP ${response.status})`);
    throw new IoError(`${url} answered HTTP ${response.status}`);
  }
  const length = Number(response.headers.get('content-length') ?? NaN);
  const held = response;
  return {
    chunks: bodyChunks(held),
    size: Number.isSafeInteger(length) ? length : undefined,
    close: async () => void (await held.body?.cancel().catch(() => undefined)),
  };
}

/**
 * The body's chunks. `response` is used again after the loop so that it stays live in the
 * suspended generator's frame (a register dead after the first line need not be kept).
 */
async function* bodyChunks(response: Response): AsyncGenerator<Uint8Array> {
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) yield chunk;
  if (!response.bodyUsed) throw new IoError('the response body was not read');
}
