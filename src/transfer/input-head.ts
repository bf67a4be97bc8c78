/**
 * The first bytes of an import's input, looked at before anything is decided (is it a database,
 * how long is it, which block size will cut it), without losing them: `rest` yields the whole
 * input again from its first byte, so the input is read once, as a stream, whatever its size.
 */

export interface InputHead {
  /** The first `min(n, input length)` bytes. */
  readonly head: Uint8Array;
  /** The whole input from its first byte (the chunks already read, then the remainder). Iterate once. */
  readonly rest: AsyncIterable<Uint8Array>;
  /** Stops the input (e.g. closes a file stream) when `rest` will not be read to its end. */
  close(): Promise<void>;
}

/** Reads chunks of `input` until `n` bytes are known (or the input ends). */
export async function readHead(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>, n: number): Promise<InputHead> {
  const iterator = asyncIterator(input);
  const buffered: Uint8Array[] = [];
  let length = 0;
  let ended = false;
  while (length < n) {
    const next = await iterator.next();
    if (next.done === true) {
      ended = true;
      break;
    }
    // A copy: a source may reuse its buffer for the next chunk.
    buffered.push(next.value.slice());
    length += next.value.length;
  }
  const head = new Uint8Array(Math.min(n, length));
  let at = 0;
  for (const chunk of buffered) {
    if (at >= head.length) break;
    const take = Math.min(chunk.length, head.length - at);
    head.set(chunk.subarray(0, take), at);
    at += take;
  }
  let closed = false;
  const close = async (): Promise<void> => {
    if (closed || ended) return;
    closed = true;
    await iterator.return?.();
  };
  async function* rest(): AsyncGenerator<Uint8Array> {
    try {
      yield* buffered.splice(0);
      if (ended) return;
      for (let next = await iterator.next(); next.done !== true; next = await iterator.next()) yield next.value;
      ended = true;
    } finally {
      await close();
    }
  }
  return { head, rest: rest(), close };
}

function asyncIterator(input: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncIterator<Uint8Array> {
  if (Symbol.asyncIterator in input) return input[Symbol.asyncIterator]();
  const sync = input[Symbol.iterator]();
  return {
    next: async () => sync.next(),
    return: async () => sync.return?.() ?? { done: true, value: undefined },
  };
}
