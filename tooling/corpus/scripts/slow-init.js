// A program with a slow, memory-heavy start, for qjs.wasm: it builds an in-memory
// search index over generated documents (tens of MB of objects, strings and maps;
// several seconds), prints "ready", then answers one query per line of stdin.
// Snapshot it after "ready" and a restore skips the whole start.
//
// Usage: qjs.wasm slow-init.js [documents]      (default 120000)
//   stdin lines: a word ("word alpha"), a document id ("doc 42") or "stats"
import * as std from 'std';

const documentCount = Number(scriptArgs[1] ?? 120000);
const syllables = ['ka', 'lo', 'mi', 'ne', 'ru', 'sa', 'to', 'vi', 'ze', 'qu', 'an', 'el', 'or', 'ub', 'ix', 'ph'];

// A deterministic generator: the index, and so every answer, is the same on each run.
let seed = 20240607;
function next() {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed >>> 8;
}

function makeWord() {
  const length = 2 + (next() % 3);
  let word = '';
  for (let i = 0; i < length; i++) word += syllables[next() % syllables.length];
  return word;
}

const vocabulary = [];
for (let i = 0; i < 4096; i++) vocabulary.push(makeWord());

const started = Date.now();
const documents = [];
const index = new Map();
for (let id = 0; id < documentCount; id++) {
  const wordCount = 8 + (next() % 24);
  const words = [];
  for (let w = 0; w < wordCount; w++) {
    // Skewed choice: a few words are common, most are rare, as in real text.
    const rank = Math.floor((next() % 4096) ** 2 / 4096);
    words.push(vocabulary[rank]);
  }
  const text = words.join(' ');
  documents.push({ id, title: `document ${id}`, text, length: text.length });
  for (const word of new Set(words)) {
    let postings = index.get(word);
    if (postings === undefined) index.set(word, (postings = []));
    postings.push(id);
  }
  if ((id + 1) % 20000 === 0) {
    std.err.puts(`indexed ${id + 1}/${documentCount}\n`);
    std.err.flush();
  }
}
const sortedWords = [...index.keys()].sort();
let postingsTotal = 0;
for (const postings of index.values()) postingsTotal += postings.length;
std.err.puts(`start took ${Date.now() - started} ms\n`);
print(`ready: ${documents.length} documents, ${index.size} words, ${postingsTotal} postings`);

let line;
while ((line = std.in.getline()) !== null) {
  const [command, argument] = line.trim().split(/\s+/, 2);
  if (command === 'word') {
    const postings = index.get(argument) ?? [];
    print(`word ${argument}: ${postings.length} documents, first ${postings.slice(0, 5).join(',')}`);
  } else if (command === 'doc') {
    const document = documents[Number(argument)];
    print(document === undefined ? `doc ${argument}: none` : `doc ${argument}: ${document.text.slice(0, 60)}`);
  } else if (command === 'stats') {
    print(`stats: ${documents.length} documents, first word ${sortedWords[0]}, last word ${sortedWords[sortedWords.length - 1]}`);
  } else if (command !== undefined && command !== '') {
    print(`unknown command ${command}`);
  }
}
