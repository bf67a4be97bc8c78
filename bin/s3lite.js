#!/usr/bin/env node
// Runs the compiled CLI: one bundle with a chunk per command (scripts/bundle-cli.mjs), built by
// `npm run build`, which `npm ci` runs through `prepare`.
import '../dist/cli-bundle/run.js';
