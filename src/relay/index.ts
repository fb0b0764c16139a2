import type net from 'node:net';
import { loadNativeRelay, RELAY_ABI, type RelayAddon } from './native.js';
import { createRelay, NOT_STARTED, type RelayFunction, type RelayOptions, type RelayResult } from './relay.js';
import { relaySelfTest } from './selfTest.js';

export { errnoName, type RelayCounts, type RelayFunction, type RelayOptions, type RelayResult, type RelayStatus } from './relay.js';

export interface RelayCheck {
  /** True once the self-test passed: transfers may use the relay. */
  enabled: boolean;
  /** Why not, when not. */
  reason: string | null;
}

/**
 * Whether the relay is used, decided once per process: off until its
 * self-test passed, off for good when it failed. What the self-test does not
 * vouch for is never trusted with data.
 */
export class RelaySwitch {
  readonly #load: () => RelayAddon | { missing: string };
  #addon: RelayAddon | { missing: string } | undefined;
  #check: Promise<RelayCheck> | undefined;
  #relay: RelayFunction | null = null;
  readonly #deadlineMs: number | undefined;

  constructor(load: () => RelayAddon | { missing: string }, options: { deadlineMs?: number } = {}) {
    this.#load = load;
    this.#deadlineMs = options.deadlineMs;
  }

  /** True when the addon loaded (before and whatever the self-test says). */
  get built(): boolean {
    return !('missing' in this.#loaded());
  }

  get enabled(): boolean {
    return this.#relay !== null;
  }

  /** Runs the self-test once; later calls share its answer. */
  check(): Promise<RelayCheck> {
    this.#check ??= this.#runCheck();
    return this.#check;
  }

  /** The relay when enabled; else, at once, 'not-started' (the caller streams). */
  relay(source: net.Socket, destination: net.Socket, options: RelayOptions): Promise<RelayResult> {
    return this.#relay ? this.#relay(source, destination, options) : Promise.resolve(NOT_STARTED);
  }

  async #runCheck(): Promise<RelayCheck> {
    const addon = this.#loaded();
    if ('missing' in addon) return { enabled: false, reason: addon.missing };
    const relay = createRelay(addon);
    const failed = await relaySelfTest(relay, this.#deadlineMs === undefined ? {} : { deadlineMs: this.#deadlineMs });
    if (failed !== null) return { enabled: false, reason: failed };
    this.#relay = relay;
    return { enabled: true, reason: null };
  }

  #loaded(): RelayAddon | { missing: string } {
    if (this.#addon === undefined) {
      const addon = this.#load();
      this.#addon =
        'missing' in addon || addon.abi === RELAY_ABI
          ? addon
          : { missing: `the addon is a stale build (abi ${String(addon.abi)}, expected ${RELAY_ABI}): npm run build:native` };
    }
    return this.#addon;
  }
}

/** The process's relay, over native/socket_relay.node. */
export const kernelRelay = new RelaySwitch(loadNativeRelay);
