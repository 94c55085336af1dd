// `@stasis/sentry/stack-switching`: what a launcher needs to start a Node process whose
// sandboxes suspend at slice ends, without loading the sentry itself (the CLI asks it on
// every `create`, where start-up time counts).
export { STACK_SWITCHING_NODE_FLAG, stackSwitchingAvailable, stackSwitchingNodeFlags } from './machine/stack-switching.js';
