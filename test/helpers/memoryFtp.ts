// An in-memory FTP file tree behind the FtpSession calls claims use (list,
// mkdir, rmdir, delete, rename, stat, cwd), with Unix rename semantics: RNTO
// replaces a file, as vsftpd, pure-ftpd and proftpd do (the claims
// integration tests check that on each). `before(verb, path)` runs before
// each command: a rival's step, or a crash. For unit tests of the edges a
// real server makes hard to reach on purpose.
import { FtpError, type FtpEntry, type FtpSession } from '../../src/ftp/index.js';

const refused = (verb: string): FtpError =>
  new FtpError(`${verb} failed: 550`, { code: 'FTP_REPLY', ftpCode: 550, ftpMessage: '550 No', command: verb });

/** Paths → null (a directory) or the file content. */
export class MemoryFtp {
  readonly tree = new Map<string, string | null>([['/', null]]);
  before: (verb: string, path: string) => void = () => undefined;
  readonly sent: string[] = [];

  file(path: string, content = 'x'): this {
    this.tree.set(path, content);
    return this;
  }
  dir(path: string): this {
    this.tree.set(path, null);
    return this;
  }
  names(dir: string): string[] {
    const prefix = dir === '/' ? '/' : `${dir}/`;
    return [...this.tree.keys()]
      .filter((p) => p.startsWith(prefix) && p !== dir && !p.slice(prefix.length).includes('/'))
      .map((p) => p.slice(prefix.length));
  }
  #parent(path: string): string {
    return path.slice(0, path.lastIndexOf('/')) || '/';
  }
  #run(verb: string, path: string): void {
    this.sent.push(`${verb} ${path}`);
    this.before(verb, path);
  }

  session(): FtpSession {
    const t = this.tree;
    return {
      list: async (path: string): Promise<FtpEntry[]> => {
        this.#run('LIST', path);
        if (t.get(path) !== null) throw refused('LIST');
        return this.names(path).map((name) => {
          const v = t.get(`${path === '/' ? '' : path}/${name}`);
          return { name, type: v === null ? 'directory' : 'file', size: v === null ? null : (v as string).length, modifiedAt: new Date(0) };
        });
      },
      mkdir: async (path: string) => {
        this.#run('MKD', path);
        if (t.has(path) || t.get(this.#parent(path)) !== null) throw refused('MKD');
        t.set(path, null);
      },
      rmdir: async (path: string) => {
        this.#run('RMD', path);
        if (t.get(path) !== null || this.names(path).length > 0) throw refused('RMD');
        t.delete(path);
      },
      delete: async (path: string) => {
        this.#run('DELE', path);
        if (typeof t.get(path) !== 'string') throw refused('DELE');
        t.delete(path);
      },
      rename: async (from: string, to: string) => {
        this.#run('RNFR', from);
        if (!t.has(from)) throw refused('RNFR');
        this.#run('RNTO', to);
        if (!t.has(from) || t.get(this.#parent(to)) !== null || t.get(to) === null) throw refused('RNTO');
        t.set(to, t.get(from) as string);
        t.delete(from);
      },
      stat: async (path: string) => {
        this.#run('STAT', path);
        const v = t.get(path);
        if (v === undefined) return null;
        return { type: v === null ? 'directory' : 'file', size: v?.length ?? null, modifiedAt: null };
      },
      cwd: async (path: string) => {
        if (t.get(path) !== null) throw refused('CWD');
      },
    } as unknown as FtpSession;
  }
}
