// Starts a list of services in order, each of the shape `start(config) -> { ready, stop }`, and stops the
// started ones in reverse order. A service's config is computed from what the earlier ones expose, so the
// keeper, workers or the dApp join the devnet by adding an entry to the list (services.mjs), not code here.
//
//   const stack = await startStack(services, context, { onStep });
//   stack.running.chain.devnet.rpcUrl; await stack.stop();

/**
 * @param {{name: string, title: string, service: {start: Function}, enabled?: (ctx) => boolean,
 *   config: (ctx) => object, describe?: (running, ctx) => string}[]} services
 * @param {object} context shared inputs (options, instance); `context.running[name]` fills as services start
 * @param {{ onStep?: (event: {index: number, total: number, entry: object, phase: "start"|"ready",
 *   line?: string}) => void, signal?: AbortSignal }} [hooks]
 */
export async function startStack(services, context, hooks = {}) {
  const running = {};
  const order = [];
  const ctx = { ...context, running };
  const stop = async () => {
    for (const { name } of [...order].reverse()) await running[name].stop().catch(() => {});
  };
  const enabled = services.filter((s) => s.enabled?.(ctx) ?? true);
  try {
    for (const [index, entry] of enabled.entries()) {
      hooks.signal?.throwIfAborted();
      const step = { index, total: enabled.length, entry };
      hooks.onStep?.({ ...step, phase: "start" });
      const handle = entry.service.start(entry.config(ctx));
      running[entry.name] = handle;
      order.push(entry);
      await handle.ready;
      hooks.onStep?.({ ...step, phase: "ready", line: entry.describe?.(handle, ctx) });
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return { running, stop };
}
