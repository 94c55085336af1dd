// The interpreter benchmark's script for qjs.wasm: object allocation, property access,
// closures, string building, sorting and a small JSON round trip, as a typical scripting
// workload mixes them. Deterministic output (a checksum), about a second under node:wasi.
const rounds = Number(scriptArgs[1] ?? 6);

function makeRecords(count, seed) {
  const records = [];
  let state = seed;
  for (let i = 0; i < count; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    records.push({ id: i, name: `item-${state % 10007}`, score: state % 1000, tags: [state % 7, state % 11] });
  }
  return records;
}

let checksum = 0;
for (let round = 0; round < rounds; round++) {
  const records = makeRecords(20000, round + 1);
  records.sort((a, b) => a.score - b.score || a.id - b.id);
  const byTag = new Map();
  for (const record of records) {
    for (const tag of record.tags) byTag.set(tag, (byTag.get(tag) ?? 0) + record.score);
  }
  const text = JSON.stringify(records.slice(0, 2000));
  const parsed = JSON.parse(text);
  const words = records.map((record) => record.name.toUpperCase()).join(' ');
  checksum = (checksum * 31 + parsed.length + words.length + [...byTag.values()].reduce((a, b) => a + b, 0)) % 1000000007;
  print(`round ${round}: ${checksum}`);
}
