// The README and docs/ as a reader follows them: every relative link leads
// to a file that exists (and a heading that exists, for #anchors), the
// README keeps the two commands a newcomer starts with, and
// docs/configuration.md shows every key the config file accepts. Files move
// (issue 11 splits src/http); a link left behind fails here, not for a reader.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { configFileSchema } from '../../src/config/index.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const docs = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

const withoutCode = (markdown: string): string => markdown.replace(/^```[\s\S]*?^```/gm, '');

/** GitHub's heading ids: lower case, punctuation dropped, spaces to dashes, repeats numbered. */
function headingIds(markdown: string): Set<string> {
  const ids = new Set<string>();
  const seen = new Map<string, number>();
  for (const match of withoutCode(markdown).matchAll(/^#{1,6}[ \t]+(.+)$/gm)) {
    const base = (match[1] ?? '')
      .trim()
      .toLowerCase()
      .replace(/[^\p{L}\p{N}_\- ]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    ids.add(n === 0 ? base : `${base}-${n}`);
  }
  return ids;
}

/** Relative links of a markdown text that do not resolve, as `target (reason)`. */
function brokenLinks(file: string, markdown: string, read: (path: string) => string | undefined): string[] {
  const broken: string[] = [];
  for (const match of withoutCode(markdown).matchAll(/\]\(([^)\s]+)\)/g)) {
    const link = match[1] ?? '';
    if (/^[a-z][a-z0-9+.-]*:/i.test(link)) continue;
    const [path = '', anchor] = link.split('#', 2);
    const target = path === '' ? file : join(dirname(file), path);
    const text = read(target);
    if (text === undefined) broken.push(`${link} (no such file)`);
    else if (anchor !== undefined && !headingIds(text).has(anchor)) broken.push(`${link} (no such heading)`);
  }
  return broken;
}

const readRepo = (path: string): string | undefined => {
  const absolute = join(root, path);
  if (relative(root, absolute).startsWith('..') || !existsSync(absolute)) return undefined;
  return path.endsWith('.md') ? readFileSync(absolute, 'utf8') : '';
};

describe('README and docs/', () => {
  test('the link checker sees a missing file and a missing heading', () => {
    const files: Record<string, string> = { 'docs/a.md': '# Title\n\n## The root, again\n' };
    const read = (path: string): string | undefined => files[path];
    assert.deepEqual(brokenLinks('README.md', '[a](docs/a.md#the-root-again) [b](docs/b.md)', read), ['docs/b.md (no such file)']);
    assert.deepEqual(brokenLinks('README.md', '[a](docs/a.md#the-root)', read), ['docs/a.md#the-root (no such heading)']);
    assert.deepEqual(brokenLinks('README.md', '```\n[a](nowhere.md)\n```\n[web](https://example.com)', read), []);
  });

  for (const file of docs) {
    test(`${file}: every relative link resolves`, () => {
      assert.deepEqual(brokenLinks(file, readFileSync(join(root, file), 'utf8'), readRepo), []);
    });
  }

  test('the README keeps the two commands a newcomer starts with', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8');
    assert.match(readme, /^npm ci && npm run demo\b/m);
    assert.match(readme, /^npm test\b/m);
  });

  test('docs/configuration.md shows every key the config file accepts', () => {
    const text = readFileSync(join(root, 'docs/configuration.md'), 'utf8');
    const missing = schemaKeys(configFileSchema).filter((key) => !new RegExp(`(^|[\\s{,])${key}:`, 'm').test(text));
    assert.deepEqual(missing, []);
  });
});

interface SchemaDef {
  type: string;
  shape?: Record<string, { _zod: { def: SchemaDef } }>;
  innerType?: { _zod: { def: SchemaDef } };
  valueType?: { _zod: { def: SchemaDef } };
  element?: { _zod: { def: SchemaDef } };
  in?: { _zod: { def: SchemaDef } };
}

/** The object keys of a zod schema at any depth (through optional, nullable, records, arrays, pipes). */
function schemaKeys(schema: { _zod: { def: SchemaDef } }): string[] {
  const keys = new Set<string>();
  const walk = (def: SchemaDef): void => {
    if (def.shape) {
      for (const [key, child] of Object.entries(def.shape)) {
        keys.add(key);
        walk(child._zod.def);
      }
    }
    for (const inner of [def.innerType, def.valueType, def.element, def.in]) if (inner) walk(inner._zod.def);
  };
  walk(schema._zod.def);
  return [...keys].sort();
}
