import { Transform, type Writable } from 'node:stream';

/**
 * A pass-through stage placed just before `destination`: the chunks that pass
 * in one event-loop turn reach the socket as one writev instead of a write
 * each. On loopback every write wakes the reading process, and those wakeups
 * cost more than copying the bytes.
 */
export function corkPerTurn(destination: Writable): Transform {
  let corked = false;
  const uncork = (): void => {
    corked = false;
    if (!destination.destroyed) destination.uncork();
  };
  return new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      if (!corked) {
        corked = true;
        destination.cork();
        setImmediate(uncork);
      }
      callback(null, chunk);
    },
  });
}
