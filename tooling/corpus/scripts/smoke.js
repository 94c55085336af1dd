// A quick tour of what qjs.wasm supports, with deterministic output: language
// features, the std and os modules' file I/O in the directory given as argv[1],
// timers, and a caught stack overflow.
// Usage: qjs.wasm smoke.js DIR
import * as std from 'std';
// biome-ignore lint/style/useNodejsImportProtocol: QuickJS's own os module, not Node's
import * as os from 'os';

const directory = scriptArgs[1] ?? '/work';

class Point {
  #x;
  constructor(x, y) {
    this.#x = x;
    this.y = y;
  }
  get length() {
    return Math.hypot(this.#x, this.y);
  }
}
print(`class: ${new Point(3, 4).length}`);
print(`bigint: ${2n ** 100n}`);
print(`regexp: ${'2024-06-07'.replace(/(\d+)-(\d+)-(\d+)/, '$3.$2.$1')}`);
print(`json: ${JSON.stringify({ a: [1, 2, { b: null }], c: 'text' })}`);
print(`map: ${[...new Map([['x', 1], ['y', 2]]).entries()].join(';')}`);

const path = `${directory}/smoke.txt`;
const file = std.open(path, 'w');
for (let i = 0; i < 3; i++) file.puts(`line ${i}\n`);
file.close();
print(`file: ${JSON.stringify(std.loadFile(path))}`);
os.mkdir(`${directory}/sub`);
os.rename(path, `${directory}/sub/moved.txt`);
const [entries, error] = os.readdir(`${directory}/sub`);
print(`readdir: ${entries.filter((name) => name !== '.' && name !== '..').sort().join(',')} error=${error}`);
const [status] = os.stat(`${directory}/sub/moved.txt`);
print(`stat: size=${status.size} isFile=${(status.mode & os.S_IFMT) === os.S_IFREG}`);
os.remove(`${directory}/sub/moved.txt`);
os.remove(`${directory}/sub`);
print(`removed: ${os.readdir(directory)[0].filter((name) => name !== '.' && name !== '..').length} entries left`);
print(`missing: ${std.open(`${directory}/nope`, 'r') === null}`);

function deep(n) {
  return n === 0 ? 0 : 1 + deep(n - 1);
}
try {
  deep(1e6);
} catch (e) {
  print(`recursion: ${e.constructor.name}: ${e.message}`);
}
print(`not available: ${typeof os.exec} ${typeof std.popen} ${typeof os.Worker}`);

os.setTimeout(() => {
  print('timer: fired');
  Promise.resolve('then').then((value) => print(`promise: ${value}`));
}, 5);
