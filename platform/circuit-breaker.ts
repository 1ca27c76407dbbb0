import type { Logger } from './logger';

export interface CircuitBreakerOptions {
  /** Named in log lines: "Redis (entity cache)", "subgraph procedures". */
  name: string;
  /** Consecutive failures that open the circuit (at least 1). */
  failureThreshold: number;
  /** How long the circuit stays open before it is tried again (at least 10 ms). */
  cooldownMs: number;
  /**
   * Tries the dependency in the background while the circuit is open (every `cooldownMs`), and closes it on success:
   * no caller ever pays for the trial. Without it, the first call after the cooldown is let through as the trial.
   */
  probe?: () => Promise<unknown>;
  log: Logger;
}

/**
 * The lifecycle of a circuit: closed (calls go through, failures counted), open (calls are refused at once until
 * `until`), half-open (one trial call is out; its result decides).
 */
type Circuit = { state: 'closed'; failures: number } | { state: 'open'; until: number } | { state: 'half-open' };

/**
 * A circuit breaker: once a dependency has failed `failureThreshold` times in a row, calls skip it at once instead of
 * each waiting for it to fail again, and it is tried again after `cooldownMs` (in the background when a `probe` is
 * given). Callers ask `allow()` before a call and report `succeeded()` or `failed()` after it.
 */
export class CircuitBreaker {
  private circuit: Circuit = { state: 'closed', failures: 0 };
  private probing: NodeJS.Timeout | null = null;
  private readonly recovered: Array<() => void> = [];

  constructor(private readonly options: CircuitBreakerOptions) {
    if (!Number.isInteger(options.failureThreshold) || options.failureThreshold < 1)
      throw new Error(`CircuitBreaker ${options.name}: failureThreshold must be an integer of at least 1`);
    if (!Number.isFinite(options.cooldownMs) || options.cooldownMs < 10) throw new Error(`CircuitBreaker ${options.name}: cooldownMs must be at least 10`);
  }

  /** Whether the circuit is open (calls are being skipped). */
  get open(): boolean {
    return this.circuit.state !== 'closed';
  }

  /** Whether a call may go ahead now. */
  allow(now = Date.now()): boolean {
    switch (this.circuit.state) {
      case 'closed':
        return true;
      case 'half-open':
        return false;
      case 'open':
        if (this.options.probe || now < this.circuit.until) return false;
        this.circuit = { state: 'half-open' };
        return true;
    }
  }

  succeeded(): void {
    if (this.circuit.state === 'closed') {
      this.circuit.failures = 0;
      return;
    }
    this.close();
  }

  failed(error: unknown, now = Date.now()): void {
    if (this.circuit.state === 'closed') {
      this.circuit.failures += 1;
      if (this.circuit.failures < this.options.failureThreshold) return;
      this.options.log.warn({ err: error, circuit: this.options.name }, `${this.options.name} failed: skipping it for now, trying it again in the background`);
    }
    this.circuit = { state: 'open', until: now + this.options.cooldownMs };
    this.scheduleProbe();
  }

  /** Called each time the circuit closes again after it was open. */
  onRecovered(listener: () => void): void {
    this.recovered.push(listener);
  }

  /** Stops the background probe (when the owner closes). */
  stop(): void {
    if (this.probing) clearTimeout(this.probing);
    this.probing = null;
  }

  private close(): void {
    this.options.log.info({ circuit: this.options.name }, `${this.options.name} is back`);
    this.circuit = { state: 'closed', failures: 0 };
    this.stop();
    for (const listener of this.recovered) listener();
  }

  private scheduleProbe(): void {
    const { probe } = this.options;
    if (!probe || this.probing) return;
    this.probing = setTimeout(() => {
      probe().then(
        () => {
          this.probing = null;
          this.close();
        },
        () => {
          this.probing = null;
          if (this.circuit.state !== 'closed') this.scheduleProbe();
        },
      );
    }, this.options.cooldownMs);
    this.probing.unref();
  }
}
