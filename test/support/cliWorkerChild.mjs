// A stand-in for the CLI's worker branch in test/unit/cli/isolate.test.ts: `exit N` ends with exit code N,
// `oom` allocates until the worker's heap limit stops it, `throw` fails with an uncaught error.
const [what, arg] = process.argv.slice(2);
if (what === 'exit') process.exitCode = Number(arg);
else if (what === 'oom') {
  const hoard = [];
  for (;;) hoard.push(new Array(1 << 16).fill(hoard.length));
} else if (what === 'throw') throw new RangeError('Invalid array length');
