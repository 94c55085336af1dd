import fc from 'fast-check';
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { ImageIncompatibleError, ReservedLabelError } from './errors.js';
import { IMAGE_PRODUCER, imageLabels, parseImageLabels, SANDBOX_STATE_VERSION, SENTRY_LABELS, SENTRY_VERSION, type SentryImageFacts } from './image-labels.js';

const FACTS: SentryImageFacts = {
  runtimeVersion: SENTRY_VERSION,
  stateVersion: SANDBOX_STATE_VERSION,
  mode: 'anywhere',
  cpuFeatures: '1:x86_64:0.0.0.0.0.0.0.0',
  modules: ['a'.repeat(64), 'b'.repeat(64)],
  checkpointCount: 3,
  tasks: 2,
  memoryBytes: 65536 * 17,
};

const Labels = suite('image labels');

Labels('the sentry facts and the caller labels come back apart', () => {
  const labels = imageLabels(FACTS, { 'container.id': 'web-1', 'container.spec': '{"ociVersion":"1.0.2"}' });
  const parsed = parseImageLabels('/images/a', IMAGE_PRODUCER, labels);
  assert.equal(parsed.facts, FACTS);
  assert.equal(parsed.callerLabels, { 'container.id': 'web-1', 'container.spec': '{"ociVersion":"1.0.2"}' });
});

Labels('a caller label under the reserved prefix is refused', () => {
  assert.throws(() => imageLabels(FACTS, { [SENTRY_LABELS.mode]: 'safepoint' }), (error: unknown) => error instanceof ReservedLabelError && error.label === SENTRY_LABELS.mode);
});

Labels('another state version is refused before the graph is read, naming both versions', () => {
  const labels = { ...imageLabels(FACTS), [SENTRY_LABELS.stateVersion]: String(SANDBOX_STATE_VERSION + 1) };
  try {
    parseImageLabels('/images/a', IMAGE_PRODUCER, labels);
    assert.unreachable('parseImageLabels accepted a newer state version');
  } catch (error) {
    assert.instance(error, ImageIncompatibleError);
    assert.match((error as ImageIncompatibleError).found, `sandbox state version ${SANDBOX_STATE_VERSION + 1}`);
    assert.match((error as ImageIncompatibleError).supported, `sandbox state version ${SANDBOX_STATE_VERSION}`);
  }
});

Labels('an image of another producer, or with a label missing or malformed, is refused', () => {
  assert.throws(() => parseImageLabels('/images/a', 'someone-else', imageLabels(FACTS)), (error: unknown) => error instanceof ImageIncompatibleError);
  const missing: Record<string, string> = imageLabels(FACTS);
  delete missing[SENTRY_LABELS.cpuFeatures];
  assert.throws(() => parseImageLabels('/images/a', IMAGE_PRODUCER, missing), (error: unknown) => error instanceof ImageIncompatibleError);
  assert.throws(() => parseImageLabels('/images/a', IMAGE_PRODUCER, { ...imageLabels(FACTS), [SENTRY_LABELS.modules]: 'not-a-hash' }), (error: unknown) => error instanceof ImageIncompatibleError);
  assert.throws(() => parseImageLabels('/images/a', IMAGE_PRODUCER, { ...imageLabels(FACTS), [SENTRY_LABELS.tasks]: '-1' }), (error: unknown) => error instanceof ImageIncompatibleError);
});

Labels.run();

const LabelProperties = suite('image labels properties');

LabelProperties('parse(labels(facts, caller)) gives back facts and caller for any values', () => {
  const hash = fc.stringMatching(/^[0-9a-f]{64}$/);
  const facts = fc.record({
    runtimeVersion: fc.stringMatching(/^[0-9a-z.+-]{1,20}$/),
    stateVersion: fc.constant(SANDBOX_STATE_VERSION),
    mode: fc.constantFrom('anywhere' as const, 'safepoint' as const),
    cpuFeatures: fc.string({ maxLength: 100 }),
    modules: fc.array(hash, { maxLength: 4 }),
    checkpointCount: fc.nat(),
    tasks: fc.nat(1000),
    memoryBytes: fc.nat(),
  });
  const callerKey = fc.string({ minLength: 1, maxLength: 30 }).filter((key) => !key.startsWith('stasis.sentry/') && key !== '__proto__');
  const caller = fc.dictionary(callerKey, fc.string(), { maxKeys: 5 });
  fc.assert(
    fc.property(facts, caller, (value, callerLabels) => {
      const parsed = parseImageLabels('/i', IMAGE_PRODUCER, imageLabels(value, callerLabels));
      assert.equal(parsed.facts, { ...value });
      assert.equal(parsed.callerLabels, { ...callerLabels });
    }),
  );
});

LabelProperties.run();
