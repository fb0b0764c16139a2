/**
 * What the bench's profile tools (cpuProfileTop.ts, flameGraph.ts) read of a
 * V8 .cpuprofile (`node --cpu-prof`): its call-tree nodes, each sample's
 * node and time delta, and how a frame is named.
 */
import { readFileSync } from 'node:fs';

export interface CpuProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface CpuProfile {
  nodes: CpuProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** Microseconds sampled in each node itself: samples are weighed by their time deltas (they are not evenly spaced). */
export function selfTimes(profile: CpuProfile): Map<number, number> {
  const self = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    self.set(id, (self.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
  });
  return self;
}

/** A frame's function and its file, shortened to what follows node_modules/, src/ or dist/, with the line. */
export function frameName(node: CpuProfileNode): { name: string; file: string } {
  const { functionName, url, lineNumber } = node.callFrame;
  const file = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, 'node_modules/')
    .replace(/^.*\/(src|dist)\//, '$1/');
  return { name: functionName || '(anonymous)', file: file ? `${file}:${lineNumber + 1}` : '' };
}

export function readCpuProfile(path: string): CpuProfile {
  return JSON.parse(readFileSync(path, 'utf8')) as CpuProfile;
}

/**
 * For a tool run as a script (`moduleUrl` is the file node was started
 * with): the profile its first argument names, or the usage and exit 1
 * without one. Null when the module was only imported.
 */
export function profileFromCommandLine(moduleUrl: string, usage: string): { file: string; profile: CpuProfile } | null {
  const script = process.argv[1];
  if (!script || !moduleUrl.endsWith(script.split('/').pop() ?? '')) return null;
  const file = process.argv[2];
  if (!file) {
    process.stderr.write(`usage: ${usage}\n`);
    process.exit(1);
  }
  return { file, profile: readCpuProfile(file) };
}
