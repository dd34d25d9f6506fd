// Pulumi (3.274) keeps in state the call stack of every resource registration, one entry per frame. Declared from
// the program's async function after an await, each stack ends in the SDK's own frames (cmd/run, runtime/stack,
// resource: about 400 bytes per resource that tell nobody anything). A task started by setImmediate has no async
// caller, so registrations made in it record only our own frames. The SDK records only frames of named functions
// (`at name (file:line:column)`), so `declare` should be one: its line becomes the resources' source position.

/** Calls `declare(...args)` in a fresh task (no async caller) and settles with its result. */
export function inFreshTask<A extends unknown[], T>(declare: (...args: A) => T, ...args: A): Promise<T> {
  return new Promise((resolve, reject) => {
    setImmediate(() => {
      try {
        resolve(declare(...args));
      } catch (error) {
        reject(error);
      }
    });
  });
}
