// shim: moved to ../advice/memoryAdvice (removed at integration); kept for test/bench/memory.bench.ts.
// eslint-disable-next-line no-restricted-imports -- the one temporary back-arrow, until the bench imports advice/
export { attachMemory } from '../advice/memoryAdvice';
