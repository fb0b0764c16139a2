/**
 * A flame graph (SVG) of a V8 .cpuprofile (from `node --cpu-prof`, e.g.
 * `npm run bench -- --only small --cpu-prof DIR`): each frame as wide as
 * the time spent in it and what it called, callers below callees; hover a
 * frame for its name, file and share (sample times and frame names as in
 * cpuProfile.ts, shared with cpuProfileTop.ts).
 * Run: npx tsx bench/flameGraph.ts FILE.cpuprofile > FILE.svg
 */
import { frameName, profileFromCommandLine, selfTimes, type CpuProfile, type CpuProfileNode } from './cpuProfile.js';

interface Frame {
  name: string;
  file: string;
  /** Microseconds in this frame and below. */
  total: number;
  children: Frame[];
}

const WIDTH = 1200;
const ROW = 16;

/** Frames of one caller with the same name and file as one, their callees merged the same way, largest first. */
function mergeSiblings(frames: Frame[]): Frame[] {
  const merged = new Map<string, Frame>();
  for (const frame of frames) {
    const key = `${frame.name}\u0000${frame.file}`;
    const same = merged.get(key);
    if (same) {
      same.total += frame.total;
      same.children = mergeSiblings([...same.children, ...frame.children]);
    } else merged.set(key, frame);
  }
  return [...merged.values()].sort((a, b) => b.total - a.total);
}

/** The call tree with each frame's total time, siblings of the same name merged. */
function callTree(profile: CpuProfile): Frame {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const self = selfTimes(profile);
  const build = (node: CpuProfileNode): Frame => {
    const children = mergeSiblings(
      (node.children ?? []).flatMap((id) => {
        const child = byId.get(id);
        return child ? [build(child)] : [];
      }),
    );
    return {
      ...frameName(node),
      total: (self.get(node.id) ?? 0) + children.reduce((sum, c) => sum + c.total, 0),
      children,
    };
  };
  const root = profile.nodes[0];
  if (!root) throw new Error('empty profile');
  return build(root);
}

function color(frame: Frame): string {
  if (frame.file.startsWith('src/') || frame.file.startsWith('dist/')) return '#e8743b'; // the gateway's own code
  if (frame.file.startsWith('node_modules/')) return '#e8b33b';
  if (frame.file.startsWith('node:')) return '#5b9bd5';
  return '#a0a0a0'; // native, GC, idle, program
}

function xmlText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

export function flameGraphSvg(profile: CpuProfile, title: string): string {
  const root = callTree(profile);
  const scale = WIDTH / Math.max(root.total, 1);
  let depth = 0;
  const rects: string[] = [];
  const place = (frame: Frame, x: number, level: number): void => {
    const width = frame.total * scale;
    if (width < 0.3) return;
    depth = Math.max(depth, level + 1);
    const share = ((100 * frame.total) / root.total).toFixed(2);
    const label = width > 40 ? xmlText(frame.name.slice(0, Math.floor(width / 7))) : '';
    rects.push(
      `<g><title>${xmlText(`${frame.name} ${frame.file} ${(frame.total / 1000).toFixed(1)} ms (${share} %)`)}</title>` +
        `<rect x="${x.toFixed(2)}" y="LEVEL${level}" width="${width.toFixed(2)}" height="${ROW - 1}" fill="${color(frame)}"/>` +
        (label ? `<text x="${(x + 3).toFixed(2)}" y="TEXT${level}">${label}</text>` : '') +
        '</g>',
    );
    let childX = x;
    for (const child of frame.children) {
      place(child, childX, level + 1);
      childX += child.total * scale;
    }
  };
  place(root, 0, 0);
  const height = (depth + 2) * ROW;
  // Callers below their callees: level 0 at the bottom.
  const body = rects
    .join('\n')
    .replace(/LEVEL(\d+)/g, (_, l: string) => String(height - (Number(l) + 1) * ROW))
    .replace(/TEXT(\d+)/g, (_, l: string) => String(height - (Number(l) + 1) * ROW + 11));
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height + ROW}" font-family="monospace" font-size="11">`,
    `<text x="4" y="12">${xmlText(title)}: ${(root.total / 1e6).toFixed(2)} s of samples; hover a frame</text>`,
    `<g transform="translate(0 ${ROW})">`,
    body,
    '</g>',
    '</svg>',
    '',
  ].join('\n');
}

const run = profileFromCommandLine(import.meta.url, 'tsx bench/flameGraph.ts FILE.cpuprofile > FILE.svg');
if (run) process.stdout.write(flameGraphSvg(run.profile, run.file.split('/').pop() ?? run.file));
