import diagnostics_channel, { type Channel } from 'node:diagnostics_channel';

/** The messages published on `channel` while `fn` runs (and only then). */
export async function publishedDuring<T>(channel: Channel, fn: () => Promise<unknown>): Promise<T[]> {
  const seen: T[] = [];
  const on = (message: unknown): void => void seen.push(message as T);
  diagnostics_channel.subscribe(channel.name, on);
  try {
    await fn();
  } finally {
    diagnostics_channel.unsubscribe(channel.name, on);
  }
  return seen;
}
