/**
 * The page's window on the network: every `fetch` — the AWS SDK's (S3) and s3lite's own (https://
 * URLs) — goes through this wrapper, which counts requests and bytes for the status line and
 * calls `guard()` before and after each, so that cancelling the page's work (work.ts) stops the
 * next request. The wrapper is installed once, before anything is opened.
 */
export interface NetStats {
  requests: number;
  bytes: number;
  byMethod: Record<string, number>;
}

export const net: NetStats = { requests: 0, bytes: 0, byMethod: {} };

export function resetNet(): void {
  net.requests = 0;
  net.bytes = 0;
  net.byMethod = {};
}

export function installFetchWrapper(guard: () => void): void {
  const original = globalThis.fetch.bind(globalThis);
  globalThis.fetch = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    guard();
    const method = (init?.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
    net.requests++;
    net.byMethod[method] = (net.byMethod[method] ?? 0) + 1;
    const response = await original(input, init);
    // Content-Length is readable across origins (a CORS-safelisted response header).
    net.bytes += Number(response.headers.get('content-length') ?? 0) || 0;
    guard();
    return response;
  };
}

export function describeNet(): string {
  const kinds = Object.entries(net.byMethod)
    .map(([m, n]) => `${n} ${m}`)
    .join(', ');
  return `${net.requests} request${net.requests === 1 ? '' : 's'}${kinds === '' ? '' : ` (${kinds})`}`;
}
