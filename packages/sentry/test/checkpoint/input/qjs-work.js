// A QuickJS workload for the checkpoint differential tests: a few seconds of object churn
// (maps, arrays, strings, closures, a garbage-collected heap that grows and shrinks) with a
// progress line per round, all deterministic, so a checkpoint lands inside the interpreter.
//
// Usage: qjs.wasm qjs-work.js [rounds]      (default 12)
const rounds = Number(scriptArgs[1] ?? 12);
let seed = 424242;
function next() {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 8;
}
function word() {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  let text = '';
  for (let i = 0, length = 3 + (next() % 6); i < length; i++) text += letters[next() % 26];
  return text;
}
const kept = [];
for (let round = 1; round <= rounds; round++) {
  const counts = new Map();
  const records = [];
  for (let i = 0; i < 12000; i++) {
    const key = word();
    counts.set(key, (counts.get(key) ?? 0) + 1);
    records.push({ key, value: next() % 1000, tags: [word(), word()] });
  }
  records.sort((left, right) => left.value - right.value || (left.key < right.key ? -1 : left.key > right.key ? 1 : 0));
  const top = [...counts.entries()].sort((left, right) => right[1] - left[1] || (left[0] < right[0] ? -1 : 1)).slice(0, 3);
  const folded = records.reduce((sum, record) => (sum * 31 + record.value + record.tags[0].length) % 1000000007, 7);
  kept.push(records.filter((record) => record.value % 97 === 0).map((record) => record.key).join(','));
  if (kept.length > 4) kept.shift();
  print(`round ${round}/${rounds}: ${counts.size} keys, top ${top.map(([key, count]) => `${key}=${count}`).join(' ')}, fold ${folded}, kept ${kept.join('').length}`);
}
print('qjs-work done');
