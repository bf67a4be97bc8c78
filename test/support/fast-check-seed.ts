/**
 * Every property test runs from one fixed seed by default, so that CI answers the same on
 * every run: random seeds made CI fail on rare, already-known differences (invalid UTF-8,
 * SQLite's AtoF rounding) that had nothing to do with the change being submitted.
 *
 * Explore others with FC_SEED=<number>, or FC_SEED=random for a fresh seed per run (fast-check
 * prints the seed of any failure). A test that passes `seed` itself keeps its own.
 */
import fc from 'fast-check';

const DEFAULT_SEED = 20261206;
const chosen = process.env.FC_SEED;
if (chosen !== 'random') fc.configureGlobal({ ...fc.readConfigureGlobal(), seed: chosen === undefined ? DEFAULT_SEED : Number(chosen) });
