import * as fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { LineSplitter, ProtocolError, RequestSchema, ResponseSchema, decodeLine, encodeMessage } from './protocol.js';

const Protocol = suite('Protocol');

Protocol('messages round-trip through a JSON line', () => {
  const request = { type: 'checkpoint', checkpoint: { imagePath: '/img', leaveRunning: true, compression: 'zstd' } } as const;
  const line = encodeMessage(request);
  assert.ok(line.endsWith('\n') && !line.slice(0, -1).includes('\n'), 'one line');
  assert.equal(decodeLine(RequestSchema, line.trim()), request);
  assert.equal(decodeLine(ResponseSchema, encodeMessage({ type: 'exit', code: 3 }).trim()), { type: 'exit', code: 3 });
});

Protocol('invalid lines are ProtocolErrors naming the problem', () => {
  const cases: readonly [string, RegExp][] = [
    ['not json', /not JSON/],
    ['{"type":"launch-missiles"}', /type/],
    ['{"type":"kill","signal":99,"all":false}', /signal/],
    ['{"type":"exec","process":{"args":[],"env":[],"cwd":"/","stdioPid":1}}', /process\.args/],
  ];
  for (const [line, message] of cases) {
    assert.throws(
      () => decodeLine(RequestSchema, line),
      (error: unknown) => error instanceof ProtocolError && message.test(error.message),
      `decodeLine(${line})`,
    );
  }
});

const SplitterProperties = suite('LineSplitter properties');

SplitterProperties('any chunking of a stream gives the same lines', () => {
  fc.assert(
    fc.property(fc.array(fc.string({ unit: 'grapheme-ascii' }).map((text) => text.replaceAll('\n', ' ')), { maxLength: 20 }), fc.array(fc.nat(), { maxLength: 20 }), (lines, cuts) => {
      const stream = lines.map((line) => `${line}\n`).join('');
      const splitter = new LineSplitter();
      const got: string[] = [];
      let offset = 0;
      for (const cut of cuts) {
        const end = Math.min(stream.length, offset + (cut % 7));
        got.push(...splitter.push(stream.slice(offset, end)));
        offset = end;
      }
      got.push(...splitter.push(stream.slice(offset)));
      assert.equal(got, lines.filter((line) => line !== ''));
    }),
  );
});

Protocol.run();
SplitterProperties.run();
