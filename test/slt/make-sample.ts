/**
 * Copies the suite's sample of SQLite's sqllogictest corpus into fixtures/sqllogictest/:
 *
 *   npx tsx test/slt/make-sample.ts CORPUS_TEST_DIR
 *
 * CORPUS_TEST_DIR is the `test/` tree of the sqllogictest repository (e.g. a checkout of
 * github.com/gregrahn/sqllogictest). Large scripts are cut at a record boundary after
 * `bytes` bytes (a script's statements come before the queries that use them, so a head is a
 * valid script). The copies are byte-identical heads of their sources, so line numbers match the
 * corpus's; fixtures/sqllogictest/README.md lists the sources and cuts.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Path under the corpus's test/ tree, and the byte budget of the head kept (undefined: whole). */
export const SAMPLE: ReadonlyArray<readonly [string, number | undefined]> = [
  ['select1.test', undefined],
  ['select2.test', undefined],
  ['evidence/in1.test', undefined],
  ['evidence/in2.test', undefined],
  ['evidence/slt_lang_aggfunc.test', undefined],
  ['evidence/slt_lang_createtrigger.test', undefined],
  ['evidence/slt_lang_createview.test', undefined],
  ['evidence/slt_lang_dropindex.test', undefined],
  ['evidence/slt_lang_droptable.test', undefined],
  ['evidence/slt_lang_droptrigger.test', undefined],
  ['evidence/slt_lang_dropview.test', undefined],
  ['evidence/slt_lang_reindex.test', undefined],
  ['evidence/slt_lang_replace.test', undefined],
  ['evidence/slt_lang_update.test', undefined],
  ['index/between/10/slt_good_5.test', 200_000],
  ['index/commute/10/slt_good_10.test', 200_000],
  ['index/delete/10/slt_good_3.test', 150_000],
  ['index/in/10/slt_good_5.test', 200_000],
  ['index/orderby/10/slt_good_4.test', 150_000],
  ['index/orderby_nosort/10/slt_good_14.test', 150_000],
  ['index/random/1000/slt_good_4.test', undefined],
  ['index/view/10/slt_good_1.test', 150_000],
  ['random/aggregates/slt_good_129.test', undefined],
  ['random/expr/slt_good_1.test', 200_000],
  ['random/groupby/slt_good_13.test', 200_000],
  ['random/select/slt_good_0.test', 200_000],
];

/** The first records of `text` that fit in `bytes` (cut after a blank line; the corpus has CRLF files too). */
export function head(text: string, bytes: number): string {
  if (text.length <= bytes) return text;
  let end = 0;
  for (const m of text.matchAll(/\n\r?\n/g)) {
    if (m.index + m[0].length > bytes) break;
    end = m.index + m[0].length;
  }
  return text.slice(0, end);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const src = process.argv[2];
  if (src === undefined) {
    console.error('usage: npx tsx test/slt/make-sample.ts CORPUS_TEST_DIR');
    process.exit(2);
  }
  const out = fileURLToPath(new URL('../../fixtures/sqllogictest/', import.meta.url));
  for (const [path, bytes] of SAMPLE) {
    const text = readFileSync(join(src, path), 'latin1');
    const body = bytes === undefined ? text : head(text, bytes);
    console.log(`| ${path} | ${bytes === undefined ? 'whole' : `first ${body.length} of ${text.length} bytes`} |`);
    mkdirSync(dirname(join(out, path)), { recursive: true });
    writeFileSync(join(out, path), body, 'latin1');
  }
}
