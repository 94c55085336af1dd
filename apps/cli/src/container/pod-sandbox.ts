// A Kubernetes pod's sandbox container. The CRI (containerd's, here) starts one per pod with
// the pod's runtime handler before the workload containers, to hold the pod's namespaces; its
// command is a native `pause` binary, which stasis cannot run. Like runwasi, stasis runs a
// placeholder instead: a WebAssembly program that sleeps until a signal ends it, so the pod's
// lifecycle (create, start, state, kill, delete) works unchanged. Containers in a pod share
// nothing through it here: each stasis sandbox has its own kernel.

/** CRI_CONTAINER_TYPE_ANNOTATION is how containerd's CRI marks a container as a pod's sandbox (`sandbox`) or a workload (`container`). */
export const CRI_CONTAINER_TYPE_ANNOTATION = 'io.kubernetes.cri.container-type';

/** POD_SANDBOX_MODULE is what a pod sandbox's LaunchSpec names as its module (there is no file: the bytes are below). */
export const POD_SANDBOX_MODULE = 'stasis:pod-sandbox';

// pod-sandbox.wat assembled with binaryen's `wasm-as pod-sandbox.wat` (137 bytes); the test
// checks that the two agree when wasm-as is installed.
const POD_SANDBOX_WASM_BASE64 =
  'AGFzbQEAAAABDAJgBH9/f38Bf2AAAAImARZ3YXNpX3NuYXBzaG90X3ByZXZpZXcxC3BvbGxfb25lb2ZmAAADAgEBBQMBAAEHEwIGbWVtb3J5AgAGX3N0YXJ0AAEKKwEpAEEQQQE2AgBBGEKAwOKF4+gANwMAA0BBAEHAAEEBQYABEAAaDAALAAs=';

/** isPodSandbox says whether a bundle's annotations mark it as a Kubernetes pod's sandbox container. */
export function isPodSandbox(annotations: Readonly<Record<string, string>> | undefined): boolean {
  return annotations?.[CRI_CONTAINER_TYPE_ANNOTATION] === 'sandbox';
}

/** podSandboxModule returns the placeholder program's bytes: it sleeps an hour at a time until killed. */
export function podSandboxModule(): Uint8Array {
  return new Uint8Array(Buffer.from(POD_SANDBOX_WASM_BASE64, 'base64'));
}
