// Health probes that any number of unauthenticated GET /healthz requests can share: one check in flight at a
// time, its answer kept for `ttlMs`, and a check that does not answer within `timeoutMs` counts as failed (and
// no new check starts until that one settles).

export interface ProbeResult {
  ok: boolean;
  /** Why it failed (scrubbed by the caller before it is shown). */
  detail?: string;
  /** When the answer was obtained (ms since epoch). */
  at: number;
}

export interface ProbeOptions {
  ttlMs: number;
  /** How long a failed answer is kept; default ttlMs. */
  failureTtlMs?: number;
  timeoutMs: number;
  now?: () => number;
}

export interface Probe {
  /** The cached answer while fresh, else the answer of the check in flight (starting one if none is). */
  get(): Promise<ProbeResult>;
  /** The last answer, without starting a check. */
  last(): ProbeResult | undefined;
}

export function cachedProbe(check: () => Promise<void>, options: ProbeOptions): Probe {
  const now = options.now ?? Date.now;
  let cached: ProbeResult | undefined;
  let inFlight: Promise<ProbeResult> | undefined;
  /** The check itself, which may outlive its timeout: no second one starts until it settles. */
  let checking: Promise<void> | undefined;
  const run = async (): Promise<ProbeResult> => {
    checking ??= Promise.resolve().then(check).finally(() => (checking = undefined));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${options.timeoutMs} ms`)), options.timeoutMs);
      timer.unref?.();
    });
    try {
      await Promise.race([checking, timeout]);
      return { ok: true, at: now() };
    } catch (error) {
      return { ok: false, detail: error instanceof Error ? error.message : String(error), at: now() };
    } finally {
      clearTimeout(timer);
    }
  };
  return {
    get() {
      if (cached && now() - cached.at < (cached.ok ? options.ttlMs : options.failureTtlMs ?? options.ttlMs)) return Promise.resolve(cached);
      inFlight ??= run().then((result) => {
        cached = result;
        inFlight = undefined;
        return result;
      });
      return inFlight;
    },
    last: () => cached,
  };
}
