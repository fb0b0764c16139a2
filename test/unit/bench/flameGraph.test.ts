// The flame graph the performance notes point to: widths are time, callers
// sit below their callees, calls of one function from one caller are one frame.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { CpuProfile } from '../../../bench/cpuProfile.js';
import { flameGraphSvg } from '../../../bench/flameGraph.js';

const frame = (id: number, functionName: string, children: number[] = [], url = 'file:///x/dist/a.js') => ({
  id,
  callFrame: { functionName, url, lineNumber: 0 },
  children,
});

/** root → run → { write (60 µs), parse (20 µs) } and root → run → write (20 µs) again; root itself 100 µs idle. */
const profile: CpuProfile = {
  nodes: [
    frame(1, '(root)', [2, 5], ''),
    frame(2, 'run', [3, 4]),
    frame(3, 'write<a&b>'),
    frame(4, 'parse'),
    frame(5, 'run', [6]),
    frame(6, 'write<a&b>'),
  ],
  samples: [3, 3, 3, 4, 6, 1, 1, 1, 1, 1],
  timeDeltas: [20, 20, 20, 20, 20, 20, 20, 20, 20, 20],
  startTime: 0,
  endTime: 200,
};

function rects(svg: string): Array<{ title: string; x: number; y: number; width: number }> {
  return [...svg.matchAll(/<title>([^<]*)<\/title><rect x="([\d.]+)" y="(\d+)" width="([\d.]+)"/g)].map((m) => ({
    title: m[1] ?? '',
    x: Number(m[2]),
    y: Number(m[3]),
    width: Number(m[4]),
  }));
}

describe('bench flame graph', () => {
  const svg = flameGraphSvg(profile, 'test <profile>');
  const all = rects(svg);
  const named = (prefix: string) => all.filter((r) => r.title.startsWith(prefix));

  it('merges calls of one function from one caller, and sizes each frame by its time and its callees', () => {
    assert.equal(named('run ').length, 1, 'the two run nodes under root are one frame');
    assert.equal(named('write&lt;a&amp;b&gt; ').length, 1, 'and so are their write children');
    const [root] = named('(root)');
    const [run] = named('run ');
    const [write] = named('write&lt;a&amp;b&gt; ');
    const [parse] = named('parse ');
    assert.ok(root && run && write && parse);
    assert.equal(root.width, 1200);
    assert.equal(run.width, 600, 'run: 100 of 200 µs');
    assert.equal(write.width, 480, 'write: 80 of 200 µs');
    assert.equal(parse.width, 120);
    assert.equal(parse.x, write.x + write.width, 'siblings side by side, largest first');
  });

  it('puts callers below their callees, and escapes names for XML', () => {
    const [root] = named('(root)');
    const [run] = named('run ');
    const [write] = named('write&lt;a&amp;b&gt; ');
    assert.ok(root && run && write);
    assert.ok(root.y > run.y && run.y > write.y);
    assert.ok(!svg.includes('write<a&b>'));
    assert.match(svg, /test &lt;profile&gt;/);
  });
});
