// The frame every engine suite shares: decide whether it can run (and print why not), start a
// lab as its first test, run the scenarios against it with the daemon logs printed on failure,
// and end with a teardown test that fails if any daemon, shim, mount or container survived.
// uvu has no per-test time limit: every command and wait has its own, and a watchdog ends a
// run that still goes past SUITE_TIMEOUT_MS, tearing the lab down first.
import { suite } from 'uvu';
import * as assert from 'uvu/assert';
import { Lab } from './lab.js';
import { type Engine, checkAvailability, integrationMode, runtimeProblem, runtimeUnderTest } from './prerequisites.js';
import { type ImageProgram, buildImages } from './images.js';

/** SUITE_TIMEOUT_MS bounds a whole suite, daemons included. */
export const SUITE_TIMEOUT_MS = 6 * 60_000;

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/** LabContext is what a scenario works with: the running lab and the images loaded into it. */
export interface LabContext {
  readonly lab: Lab;
  readonly probe: ImageProgram;
  readonly exitCode: ImageProgram;
}

/** ScenarioBody is the work of one scenario. */
export type ScenarioBody = (context: LabContext) => Promise<void>;

/** IntegrationSuite registers scenarios, then runs them between the lab's start and its teardown. */
export interface IntegrationSuite {
  scenario(name: string, body: ScenarioBody): void;
  run(): void;
}

/** integrationSuite creates the suite named title for engine; when the engine cannot run here it prints the reason and registers nothing (or, with STASIS_INTEGRATION=require, one failing test). */
export function integrationSuite(engine: Engine, title: string): IntegrationSuite {
  const runtime = runtimeUnderTest();
  const test = suite(runtime.kind === 'stasis' ? title : `${title} [runtime: ${runtime.path}]`);
  const mode = integrationMode();
  const availability = checkAvailability(engine);
  const skipReason =
    mode === 'off' ? 'STASIS_INTEGRATION=off' : availability.available ? undefined : availability.reason;
  if (skipReason !== undefined) {
    if (mode === 'require') {
      test('the machine can run the engine (STASIS_INTEGRATION=require)', () => {
        assert.unreachable(`${engine} cannot run here: ${skipReason}`);
      });
    } else {
      process.stdout.write(`\n${title}: skipped: ${skipReason}\n`);
    }
    return { scenario: () => {}, run: () => test.run() };
  }

  let context: LabContext | undefined;
  let lab: Lab | undefined;
  let watchdog: NodeJS.Timeout | undefined;
  const teardown = async (): Promise<readonly string[]> => (lab ? lab.stop() : []);
  const onSignal = () => void teardown().finally(() => process.exit(130));

  test(`starts ${engine === 'docker' ? 'containerd and dockerd' : 'containerd'} and loads the test images`, async () => {
    // Armed here rather than at import: uvu imports every suite before running the first.
    watchdog = setTimeout(() => {
      process.stderr.write(`\n${title}: still running after ${SUITE_TIMEOUT_MS} ms; tearing the lab down\n`);
      void teardown().finally(() => process.exit(1));
    }, SUITE_TIMEOUT_MS);
    watchdog.unref();
    for (const signal of SIGNALS) process.once(signal, onSignal);
    const problem = runtimeProblem(runtime);
    if (problem !== undefined) throw new Error(problem);
    lab = await Lab.start({ docker: engine === 'docker', runtime });
    const images = await buildImages(lab);
    for (const { tarball } of [images.probe, images.exitCode]) {
      if (engine === 'docker') await lab.dockerChecked(['load', '--input', tarball]);
      else await lab.ctrChecked(['images', 'import', tarball]);
    }
    context = { lab, ...images };
  });

  const scenarios: Array<[string, ScenarioBody]> = [];
  return {
    scenario(name, body) {
      scenarios.push([name, body]);
    },
    run() {
      for (const [name, body] of scenarios) {
        test(name, async () => {
          const current = context;
          if (current === undefined) throw new Error('the lab did not start');
          try {
            await body(current);
          } catch (error) {
            process.stderr.write(`\n[${title}] "${name}" failed; daemon logs:\n${current.lab.diagnostics()}\n`);
            throw error;
          }
        });
      }
      test('teardown leaves no daemon, shim, mount or container behind', async () => {
        if (lab === undefined) throw new Error('the lab did not start');
        const leftovers = await teardown();
        assert.equal(leftovers, [], `after stopping the lab ${lab.directory}: got leftovers, want none`);
      });
      // A safety net when a test threw before the teardown test: stop() runs once.
      test.after(async () => {
        clearTimeout(watchdog);
        for (const signal of SIGNALS) process.off(signal, onSignal);
        await teardown();
      });
      test.run();
    },
  };
}
