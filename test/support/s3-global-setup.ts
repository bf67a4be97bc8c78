/**
 * vitest globalSetup: starts one real S3-compatible HTTP server (fauxqs) on 127.0.0.1 for the
 * whole run and hands its endpoint to the test files through `provide`/`inject`.
 *
 * fauxqs accepts conditional PUTs (If-None-Match / If-Match) but does not enforce them; tests
 * that need S3's documented 412 behaviour must add it themselves (see DESIGN.md, Testing).
 */
import { startFauxqs } from 'fauxqs';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    s3Endpoint: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The AWS SDK warns on Node 20 that future versions need Node 22; AWS documents this variable
  // to silence it (https://github.com/aws/aws-sdk-js-v3/issues/7983). Set before the workers fork
  // so they inherit it.
  process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
  const server = await startFauxqs({ port: 0, logger: false, host: '127.0.0.1' });
  project.provide('s3Endpoint', `http://127.0.0.1:${server.port}`);
  return async () => {
    await server.stop();
  };
}
