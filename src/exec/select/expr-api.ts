/**
 * The expression compiler's surface as the SELECT executor uses it (one import site, so the
 * executor does not depend on how src/exec/expr/ splits its files).
 */
export { compileExpr, exprAffinity, exprCollation, hasCollation, createAggregate } from '../expr/compile.js';
export type { Aggregate } from '../expr/compile.js';
export { isTrue } from '../expr/value-ops.js';
export { compareForSort, comparisonAffinity } from '../expr/compare.js';
export { applyAffinityValue } from '../expr/value-ops.js';
export { ValueSet } from '../expr/value-set.js';
