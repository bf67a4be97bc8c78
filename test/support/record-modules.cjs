'use strict';
// Preloaded (node --require) by test/package/entry-points.test.ts: at exit, writes the files of
// every CommonJS module the process loaded to the file S3LITE_TEST_MODULES names.
const { writeFileSync } = require('node:fs');

process.on('exit', () => {
  writeFileSync(process.env.S3LITE_TEST_MODULES, Object.keys(require.cache).join('\n'));
});
