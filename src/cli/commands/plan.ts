/** `s3lite plan LOCATION "SQL"`: the EXPLAIN QUERY PLAN of a SELECT (implemented beside `query`). */
export { runPlan, drawPlan } from './query.js';
